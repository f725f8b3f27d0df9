import { CloudflareApiError, cloudflareRequest } from "./cloudflare-api";
import { pagesAssetHash, readPagesManifest, type PagesManifest } from "./pages-manifest";

/**
 * Pages direct upload as `wrangler pages deploy` performs it, up to the deployment: the upload JWT,
 * check-missing, the missing blobs in buckets, upsert-hashes. Only blobs the account lacks are sent,
 * so an unchanged build uploads nothing. Every call is retried by cloudflareRequest's policy; a refused
 * or expiring JWT is replaced here.
 */

/** What an upload needs: where the build is, what the preview read from it, and the project. */
export interface UploadTarget {
  accountId: string;
  projectName: string;
  apiToken: string;
  /** The build folder, relative to the working folder (the program's, which is the provider's). */
  buildDir: string;
  files: PagesManifest;
}

/** The paths a new manifest adds, changes (other content) and removes, each sorted. */
export interface ManifestChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

/** One upload request's worth of files, grouped as wrangler groups them. */
export interface UploadFile {
  path: string;
  hash: string;
  size: number;
}

/** wrangler's MAX_BUCKET_SIZE, MAX_BUCKET_FILE_COUNT and BULK_UPLOAD_CONCURRENCY (src/pages/constants.ts). */
const maxBucketBytes = 40 * 1024 * 1024;
const maxBucketFiles = 2_000;
const uploadConcurrency = 3;
/** An upload JWT this close to its `exp` is replaced before it is used. */
const jwtMarginSeconds = 60;
/** Pages' "Authorization failed", answered to an expired or otherwise refused upload JWT. */
const pagesUnauthorized = 8000013;
/** How many times one call gets a fresh JWT after its JWT was refused. */
const jwtRefreshes = 2;

export function manifestChanges(olds: PagesManifest, news: PagesManifest): ManifestChanges {
  const sorted = (paths: string[]) => paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    added: sorted(Object.keys(news).filter((file) => !(file in olds))),
    changed: sorted(Object.keys(news).filter((file) => file in olds && olds[file]!.hash !== news[file]!.hash)),
    removed: sorted(Object.keys(olds).filter((file) => !(file in news))),
  };
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

export function projectResource(target: Pick<UploadTarget, "projectName">): string {
  return `Pages project '${target.projectName}'`;
}

function refusedJwt(error: unknown): boolean {
  return error instanceof CloudflareApiError && (error.status === 401 || error.codes.includes(pagesUnauthorized));
}

/** The project's upload JWT: `/pages/assets/*` take it instead of the API token. */
async function uploadToken(target: UploadTarget): Promise<string> {
  const { jwt } = await cloudflareRequest<{ jwt: string }>({
    token: target.apiToken,
    method: "GET",
    path: `/accounts/${target.accountId}/pages/projects/${target.projectName}/upload-token`,
    action: "get upload token of",
    resource: projectResource(target),
  });
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
  /** One `/pages/assets/*` call under the JWT, with a fresh JWT when it expires or is refused. */
  call<T>(action: string, path: string, body: unknown): Promise<T>;
  maxFileCount(): number | undefined;
}

async function uploadSession(target: UploadTarget): Promise<UploadSession> {
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
      for (let refreshes = 0; ; refreshes++) {
        const exp = jwtClaims(jwt).exp;
        if (typeof exp === "number" && exp - jwtMarginSeconds <= Date.now() / 1000) await refresh(jwt);
        const used = jwt;
        try {
          return await cloudflareRequest<T>({ token: used, method: "POST", path: apiPath, action, resource, body });
        } catch (error) {
          if (refreshes >= jwtRefreshes || !refusedJwt(error)) throw error;
          await refresh(used);
        }
      }
    },
  };
}

/** Refuses a build folder that no longer holds what the manifest (and so the preview) said. */
export function checkBuildUnchanged(target: UploadTarget): void {
  const { added, changed, removed } = manifestChanges(target.files, readPagesManifest(target.buildDir));
  const differences = [
    ...changed.map((file) => `${file} (changed)`),
    ...added.map((file) => `${file} (added)`),
    ...removed.map((file) => `${file} (removed)`),
  ];
  if (differences.length > 0) throw buildChangedError(target.buildDir, differences);
}

function buildChangedError(buildDir: string, differences: string[]): Error {
  return new Error(
    `The build in ${buildDir} changed since the preview: ${differences.join(", ")}. ` +
      "Nothing was deployed; run `pulumi up` again.",
  );
}

/** The upload entries of one bucket, each file re-read and re-hashed so what is sent is what the key names. */
function uploadPayload(target: UploadTarget, bucket: UploadFile[]) {
  // Required here: the provider's serialized code loads node's modules in the provider host.
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  return bucket.map((file) => {
    const content = readFileSync(path.join(path.resolve(target.buildDir), ...file.path.split("/")));
    if (pagesAssetHash(content, file.path) !== file.hash) {
      throw buildChangedError(target.buildDir, [`${file.path} (changed)`]);
    }
    return {
      key: file.hash,
      value: content.toString("base64"),
      metadata: { contentType: target.files[file.path]!.contentType },
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
export async function uploadAssets(target: UploadTarget): Promise<void> {
  const session = await uploadSession(target);
  const count = Object.keys(target.files).length;
  const allowed = session.maxFileCount();
  if (typeof allowed === "number" && count > allowed) {
    throw new Error(
      `${projectResource(target)} takes at most ${allowed.toLocaleString("en-US")} files in a deployment; ` +
        `${target.buildDir} holds ${count.toLocaleString("en-US")}.`,
    );
  }
  const byHash = new Map<string, UploadFile>();
  for (const [file, { hash, size }] of Object.entries(target.files)) {
    if (!byHash.has(hash)) byHash.set(hash, { path: file, hash, size });
  }
  const hashes = [...byHash.keys()];
  const missing = await session.call<string[]>("check missing assets of", "/pages/assets/check-missing", { hashes });
  const toUpload = missing.map((hash) => byHash.get(hash)).filter((file): file is UploadFile => file !== undefined);
  await inParallel(uploadBuckets(toUpload), uploadConcurrency, async (bucket) => {
    await session.call("upload assets to", "/pages/assets/upload", uploadPayload(target, bucket));
  });
  // As wrangler: a failed upsert only makes the next deployment upload these blobs again.
  await session.call("record asset hashes of", "/pages/assets/upsert-hashes", { hashes }).catch(() => undefined);
}
