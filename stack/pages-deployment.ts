import * as pulumi from "@pulumi/pulumi";
import { CloudflareApiError, cloudflareRequest } from "./cloudflare-api";
import { pagesAssetHash, readPagesManifest, type PagesManifest } from "./pages-manifest";

export interface PagesDeploymentInputs {
  accountId: string;
  /** The direct-upload Pages project the build is deployed to. */
  projectName: string;
  /** Secret; read inside the provider's methods, never captured by its serialized code. */
  apiToken: string;
  /** Absolute path of the build folder; not compared by diff (the manifest says what it holds). */
  buildDir: string;
  /** The production branch deploys to production; any other is a preview. */
  branch: string;
  /** Every file of the build by `"/path"`, read by readPagesManifest. */
  files: PagesManifest;
}

export interface PagesDeploymentState extends PagesDeploymentInputs {
  /** The deployment made by the last create or update ("" after a refresh found it gone). */
  deploymentId: string;
  /** Its own URL, `https://<short id>.<project>.pages.dev`. */
  url: string;
}

/** The paths a new manifest adds, changes (other content) and removes, each sorted. */
export interface ManifestChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

type Target = Pick<PagesDeploymentInputs, "accountId" | "projectName" | "apiToken">;

/** wrangler's MAX_BUCKET_SIZE, MAX_BUCKET_FILE_COUNT and BULK_UPLOAD_CONCURRENCY (src/pages/constants.ts). */
const maxBucketBytes = 40 * 1024 * 1024;
const maxBucketFiles = 2_000;
const uploadConcurrency = 3;
/** Each call is tried this often on 429, 5xx and network errors, waiting 1, 2, 4, 8 s between tries. */
const maxAttempts = 5;
/** An upload JWT this close to its `exp` is replaced before it is used. */
const jwtMarginSeconds = 60;
/** Pages' "Authorization failed", answered to an expired or otherwise refused upload JWT. */
const pagesUnauthorized = 8000013;

export function manifestChanges(olds: PagesManifest, news: PagesManifest): ManifestChanges {
  const sorted = (paths: string[]) => paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    added: sorted(Object.keys(news).filter((file) => !(file in olds))),
    changed: sorted(Object.keys(news).filter((file) => file in olds && olds[file]!.hash !== news[file]!.hash)),
    removed: sorted(Object.keys(olds).filter((file) => !(file in news))),
  };
}

/** One upload request's worth of files, grouped as wrangler groups them. */
export interface UploadFile {
  path: string;
  hash: string;
  size: number;
}

/**
 * wrangler's buckets: largest file first, dealt round-robin over three buckets of at most 40 MiB and
 * 2,000 files, a new bucket when none has room.
 */
export function uploadBuckets(files: UploadFile[]): UploadFile[][] {
  const buckets = Array.from({ length: uploadConcurrency }, () => ({
    files: [] as UploadFile[],
    room: maxBucketBytes,
  }));
  [...files]
    .sort((a, b) => b.size - a.size)
    .forEach((file, offset) => {
      const fits = Array.from({ length: buckets.length }, (_, i) => buckets[(i + offset) % buckets.length]!).find(
        (bucket) => bucket.room >= file.size && bucket.files.length < maxBucketFiles,
      );
      if (fits) {
        fits.files.push(file);
        fits.room -= file.size;
      } else {
        buckets.push({ files: [file], room: maxBucketBytes - file.size });
      }
    });
  return buckets.map((bucket) => bucket.files).filter((bucket) => bucket.length > 0);
}

function projectResource(target: Target): string {
  return `Pages project '${target.projectName}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a failed call is worth another try: rate limits, server errors and the network. */
function retryable(error: unknown): boolean {
  if (error instanceof CloudflareApiError) return error.status === 429 || error.status >= 500;
  return error instanceof TypeError && error.message === "fetch failed";
}

function refusedJwt(error: unknown): boolean {
  return error instanceof CloudflareApiError && (error.status === 401 || error.codes.includes(pagesUnauthorized));
}

/**
 * Runs a call up to {@link maxAttempts} times. A refused upload JWT is replaced (through `refresh`) and
 * the call retried at once; a network failure that outlives the retries reads like an API error.
 */
async function withRetries<T>(
  action: string,
  resource: string,
  call: () => Promise<T>,
  refresh?: () => Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const again = attempt < maxAttempts;
      if (again && refresh && refusedJwt(error)) {
        await refresh();
      } else if (again && retryable(error)) {
        await sleep(2 ** (attempt - 1) * 1000);
      } else if (retryable(error) && !(error instanceof CloudflareApiError)) {
        const { message, cause } = error as TypeError;
        throw new Error(`network error ${action} ${resource}: ${message}${cause ? ` (${String(cause)})` : ""}`);
      } else {
        throw error;
      }
    }
  }
}

/** The project's upload JWT: `/pages/assets/*` take it instead of the API token. */
async function uploadToken(target: Target): Promise<string> {
  const action = "get upload token of";
  const resource = projectResource(target);
  const { jwt } = await withRetries(action, resource, () =>
    cloudflareRequest<{ jwt: string }>({
      token: target.apiToken,
      method: "GET",
      path: `/accounts/${target.accountId}/pages/projects/${target.projectName}/upload-token`,
      action,
      resource,
    }),
  );
  return jwt;
}

interface JwtClaims {
  exp?: number;
  max_file_count_allowed?: number;
}

/** The JWT's claims, read unverified as wrangler reads them (`exp`, `max_file_count_allowed`). */
function jwtClaims(jwt: string): JwtClaims {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as JwtClaims;
  } catch {
    return {};
  }
}

interface UploadSession {
  /** One `/pages/assets/*` call under the JWT, retried, with a fresh JWT when it expires or is refused. */
  call<T>(action: string, path: string, body: unknown): Promise<T>;
  maxFileCount(): number | undefined;
}

async function uploadSession(target: Target): Promise<UploadSession> {
  let jwt = await uploadToken(target);
  let pending: Promise<string> | undefined;
  // Concurrent buckets share one JWT: the first to find it stale fetches the next, the others wait for it.
  const refresh = async (stale: string) => {
    if (jwt !== stale) return;
    pending ??= uploadToken(target).finally(() => (pending = undefined));
    jwt = await pending;
  };
  const resource = projectResource(target);
  return {
    maxFileCount: () => jwtClaims(jwt).max_file_count_allowed,
    async call<T>(action: string, apiPath: string, body: unknown) {
      let used = jwt;
      return withRetries(
        action,
        resource,
        async () => {
          const exp = jwtClaims(jwt).exp;
          if (typeof exp === "number" && exp - jwtMarginSeconds <= Date.now() / 1000) await refresh(jwt);
          used = jwt;
          return cloudflareRequest<T>({ token: used, method: "POST", path: apiPath, action, resource, body });
        },
        () => refresh(used),
      );
    },
  };
}

/** Refuses a build folder that no longer holds what the manifest (and so the preview) said. */
function checkBuildUnchanged(inputs: PagesDeploymentInputs): void {
  const { added, changed, removed } = manifestChanges(inputs.files, readPagesManifest(inputs.buildDir));
  const differences = [
    ...changed.map((file) => `${file} (changed)`),
    ...added.map((file) => `${file} (added)`),
    ...removed.map((file) => `${file} (removed)`),
  ];
  if (differences.length > 0) throw buildChangedError(inputs.buildDir, differences);
}

function buildChangedError(buildDir: string, differences: string[]): Error {
  return new Error(
    `The build in ${buildDir} changed since the preview: ${differences.join(", ")}. ` +
      "Nothing was deployed; run `pulumi up` again.",
  );
}

/** The upload entries of one bucket, each file re-read and re-hashed so what is sent is what the key names. */
function uploadPayload(inputs: PagesDeploymentInputs, bucket: UploadFile[]) {
  // Required here: the provider's serialized code loads node's modules in the provider host.
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  return bucket.map((file) => {
    const content = readFileSync(path.join(path.resolve(inputs.buildDir), ...file.path.split("/")));
    if (pagesAssetHash(content, file.path) !== file.hash) {
      throw buildChangedError(inputs.buildDir, [`${file.path} (changed)`]);
    }
    return {
      key: file.hash,
      value: content.toString("base64"),
      metadata: { contentType: inputs.files[file.path]!.contentType },
      base64: true,
    };
  });
}

/** Runs `work` over `items`, at most `limit` at a time; after a failure no new item starts. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Uploads the manifest's blobs that the account does not hold yet, then records them all as held. */
async function uploadAssets(inputs: PagesDeploymentInputs): Promise<void> {
  const session = await uploadSession(inputs);
  const count = Object.keys(inputs.files).length;
  const allowed = session.maxFileCount();
  if (typeof allowed === "number" && count > allowed) {
    throw new Error(
      `${projectResource(inputs)} takes at most ${allowed.toLocaleString("en-US")} files in a deployment; ` +
        `${inputs.buildDir} holds ${count.toLocaleString("en-US")}.`,
    );
  }
  const byHash = new Map<string, UploadFile>();
  for (const [file, { hash, size }] of Object.entries(inputs.files)) {
    if (!byHash.has(hash)) byHash.set(hash, { path: file, hash, size });
  }
  const hashes = [...byHash.keys()];
  const missing = await session.call<string[]>("check missing assets of", "/pages/assets/check-missing", { hashes });
  const toUpload = missing.map((hash) => byHash.get(hash)).filter((file): file is UploadFile => file !== undefined);
  await inParallel(uploadBuckets(toUpload), uploadConcurrency, async (bucket) => {
    await session.call("upload assets to", "/pages/assets/upload", uploadPayload(inputs, bucket));
  });
  // As wrangler: a failed upsert only makes the next deployment upload these blobs again.
  await session.call("record asset hashes of", "/pages/assets/upsert-hashes", { hashes }).catch(() => undefined);
}

async function createDeployment(inputs: PagesDeploymentInputs): Promise<{ id: string; url: string }> {
  const action = "create deployment of";
  const resource = projectResource(inputs);
  const manifest = Object.fromEntries(Object.entries(inputs.files).map(([file, { hash }]) => [file, hash]));
  return withRetries(action, resource, () => {
    const form = new FormData();
    form.set("manifest", JSON.stringify(manifest));
    form.set("branch", inputs.branch);
    return cloudflareRequest<{ id: string; url: string }>({
      token: inputs.apiToken,
      method: "POST",
      path: `/accounts/${inputs.accountId}/pages/projects/${inputs.projectName}/deployments`,
      action,
      resource,
      body: form,
    });
  });
}

/**
 * Pages direct upload as `wrangler pages deploy` performs it: upload JWT, check-missing, the missing
 * blobs in buckets, upsert-hashes, then a deployment from the manifest. Only blobs the account lacks
 * are sent, so an unchanged build uploads nothing.
 */
async function deploy(inputs: PagesDeploymentInputs): Promise<PagesDeploymentState> {
  checkBuildUnchanged(inputs);
  await uploadAssets(inputs);
  const deployment = await createDeployment(inputs);
  return { ...inputs, deploymentId: deployment.id, url: deployment.url };
}

/** The provider the engine runs; the API token arrives in its arguments. */
export const pagesDeploymentProvider: pulumi.dynamic.ResourceProvider<PagesDeploymentInputs, PagesDeploymentState> = {
  async create(inputs) {
    return { id: `${inputs.accountId}/${inputs.projectName}`, outs: await deploy(inputs) };
  },

  /**
   * Changes only when a file is added, changed or removed (or the branch changes); another project or
   * account is a new deployment. The Node SDK passes no detailed diff to the engine, which then shows
   * the inputs that differ; `files` is keyed by path, so `pulumi preview --diff` names each file that
   * manifestChanges lists. The build folder's path and the token are not compared.
   */
  async diff(_id, olds, news) {
    const replaces = (["accountId", "projectName"] as const).filter((key) => olds[key] !== news[key]);
    if (replaces.length > 0) return { changes: true, replaces: [...replaces], deleteBeforeReplace: false };
    // A preview before the build exists sees the manifest as unknown: a change, whatever it holds.
    if (typeof news.files !== "object" || news.files === null) return { changes: true };
    const { added, changed, removed } = manifestChanges(olds.files ?? {}, news.files);
    return { changes: added.length + changed.length + removed.length > 0 || olds.branch !== news.branch };
  },

  async update(_id, _olds, news) {
    return { outs: await deploy(news) };
  },

  /**
   * Refresh: keeps the state while its deployment exists. When Pages no longer has it, the state forgets
   * its files, so the next `pulumi up` deploys the whole build again.
   */
  async read(id, props) {
    if (!props) throw new Error(`Pages deployment ${id}: nothing to refresh from`);
    if (!props.deploymentId) return { id, props };
    const action = "get deployment of";
    const resource = projectResource(props);
    try {
      await withRetries(action, resource, () =>
        cloudflareRequest<unknown>({
          token: props.apiToken,
          method: "GET",
          path: `/accounts/${props.accountId}/pages/projects/${props.projectName}/deployments/${props.deploymentId}`,
          action,
          resource,
        }),
      );
    } catch (error) {
      if (!(error instanceof CloudflareApiError && error.status === 404)) throw error;
      return { id, props: { ...props, deploymentId: "", url: "", files: {} } };
    }
    return { id, props };
  },

  /**
   * Nothing to undo: a deployment cannot be taken back without another one, and deleting the Pages
   * project (the stack's `cloudflare.PagesProject`) removes every deployment with it.
   */
  async delete() {},
};

export interface PagesDeploymentArgs {
  accountId: pulumi.Input<string>;
  projectName: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
  /**
   * Absolute path of the build folder. Pass an Output that resolves once the build is written, so the
   * manifest is read from the finished folder.
   */
  buildDir: pulumi.Input<string>;
  /** @default "main" */
  branch?: pulumi.Input<string>;
  /** @default readPagesManifest(buildDir) */
  files?: pulumi.Input<PagesManifest>;
}

/**
 * A build folder deployed to a Pages project; `pulumi preview --diff` names each file a frontend
 * upgrade adds, changes or removes, and an identical build is no change.
 */
export class PagesDeployment extends pulumi.dynamic.Resource {
  declare readonly deploymentId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;
  declare readonly files: pulumi.Output<PagesManifest>;

  constructor(name: string, args: PagesDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      pagesDeploymentProvider,
      name,
      {
        accountId: args.accountId,
        projectName: args.projectName,
        apiToken: pulumi.secret(args.apiToken),
        buildDir: args.buildDir,
        branch: args.branch ?? "main",
        files: args.files ?? pulumi.output(args.buildDir).apply(readPagesManifest),
        deploymentId: undefined,
        url: undefined,
      },
      { ...opts, additionalSecretOutputs: ["apiToken"] },
    );
  }
}
