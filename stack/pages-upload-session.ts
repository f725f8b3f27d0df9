import { CloudflareApiError, cloudflareRequest } from "./cloudflare-api";
import { blobsByHash, bucketPayload, uploadBuckets, uploadConcurrency, type PagesBuild } from "./pages-upload-plan";

/**
 * Pages direct upload as `wrangler pages deploy` performs it, up to the deployment: the upload JWT,
 * check-missing, the missing blobs in buckets, upsert-hashes. Only blobs the account lacks are sent,
 * so an unchanged build uploads nothing. Every call is retried by cloudflareRequest's policy; a refused
 * or expiring JWT is replaced here.
 */

/** What an upload needs: the project, and the build with the manifest the preview read from it. */
export interface UploadTarget extends PagesBuild {
  accountId: string;
  projectName: string;
  apiToken: string;
}

/** An upload JWT this close to its `exp` is replaced before it is used. */
const jwtMarginSeconds = 60;
/** Pages' "Authorization failed", answered to an expired or otherwise refused upload JWT. */
const pagesUnauthorized = 8000013;
/** How many times one call gets a fresh JWT after its JWT was refused. */
const jwtRefreshes = 2;

/** The project as error messages name it. */
export function projectResource(target: Pick<UploadTarget, "projectName">): string {
  return `Pages project '${target.projectName}'`;
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
  const blobs = blobsByHash(target.files);
  const hashes = [...blobs.keys()];
  const missing = await session.call<string[]>("check missing assets of", "/pages/assets/check-missing", { hashes });
  const toUpload = missing.map((hash) => blobs.get(hash)).filter((file) => file !== undefined);
  await inParallel(uploadBuckets(toUpload), uploadConcurrency, async (bucket) => {
    await session.call("upload assets to", "/pages/assets/upload", bucketPayload(target, bucket));
  });
  // As wrangler: a failed upsert only makes the next deployment upload these blobs again.
  await session.call("record asset hashes of", "/pages/assets/upsert-hashes", { hashes }).catch(() => undefined);
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

function refusedJwt(error: unknown): boolean {
  return error instanceof CloudflareApiError && (error.status === 401 || error.codes.includes(pagesUnauthorized));
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
