import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { EmulatorAreaContext, EmulatorRequest } from "./cloudflare-emulator";
import { pagesHash } from "./cloudflare-emulator-pages-hash";

/**
 * Pages' asset store and its upload JWT: `GET .../upload-token` hands out a JWT, and the three
 * account-less `/pages/assets/*` endpoints take it instead of the API token (wrangler sends
 * `Authorization: Bearer <jwt>` itself, src/pages/upload.ts). Blobs are content-addressed per account,
 * so a second deployment of the same files uploads nothing.
 */

/** Pages' "Authorization failed" (wrangler's `ApiErrorCodes.UNAUTHORIZED`, src/pages/errors.ts). */
export const pagesUnauthorized = 8000013;
/** Pages' generic error (`ApiErrorCodes.UNKNOWN_ERROR`); wrangler retries a deployment that gets it. */
export const pagesUnknownError = 8000000;

/** wrangler's src/pages/constants.ts: MAX_ASSET_SIZE and MAX_ASSET_COUNT_DEFAULT. */
export const pagesMaxAssetSize = 25 * 1024 * 1024;
export const pagesMaxFileCount = 20_000;

/** The upload JWT's payload; wrangler reads `max_file_count_allowed` and `exp` from it, unverified. */
export interface UploadClaims {
  account_id: string;
  project_name: string;
  max_file_count_allowed: number;
  iat: number;
  exp: number;
  jti: string;
}

export interface StoredAsset {
  content: Buffer;
  contentType: string;
}

/** One `POST /pages/assets/upload`: which blobs a deploy actually sent. */
export interface PagesUpload {
  project: string;
  hashes: string[];
}

export interface PagesAssets {
  issueToken(project: string): string;
  /** The account's blob for a hash, if it was ever uploaded. */
  get(hash: string): StoredAsset | undefined;
  uploads: PagesUpload[];
}

/** Upload JWTs live this long (not sourced: Cloudflare does not document it; wrangler refreshes on expiry). */
const tokenLifetimeSeconds = 30 * 60;
const hashPattern = /^[0-9a-f]{32}$/;

export function installPagesAssets(context: EmulatorAreaContext): PagesAssets {
  const secret = randomBytes(32);
  const blobs = new Map<string, StoredAsset>();
  /** Hashes confirmed by upsert-hashes: check-missing consults these, as wrangler's upsert warning implies. */
  const known = new Set<string>();
  const uploads: PagesUpload[] = [];

  function issueToken(project: string): string {
    const iat = Math.floor(Date.now() / 1000);
    const claims: UploadClaims = {
      account_id: context.accountId,
      project_name: project,
      max_file_count_allowed: pagesMaxFileCount,
      iat,
      exp: iat + tokenLifetimeSeconds,
      jti: randomUUID(),
    };
    const unsigned = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(claims)}`;
    return `${unsigned}.${sign(secret, unsigned)}`;
  }

  /** The JWT's claims, or Pages' 401: the API token, a forged, malformed or expired JWT are all refused. */
  function authenticate(headers: IncomingHttpHeaders): UploadClaims {
    const claims = verifyToken(secret, /^Bearer (\S+)$/.exec(headers.authorization ?? "")?.[1]);
    if (!claims || claims.account_id !== context.accountId) {
      context.fail(401, { code: pagesUnauthorized, message: "Authorization failed" });
    }
    return claims;
  }
  const asJwt = { authenticate: (headers: IncomingHttpHeaders) => void authenticate(headers) };

  context.route(
    "POST",
    "/pages/assets/check-missing",
    (request) => {
      const hashes = readHashes(context, request.body);
      return { result: [...new Set(hashes)].filter((hash) => !known.has(hash) || !blobs.has(hash)) };
    },
    asJwt,
  );

  context.route(
    "POST",
    "/pages/assets/upload",
    (request) => {
      const { project_name } = authenticate(request.headers);
      const files = readUpload(context, request.body);
      for (const file of files) blobs.set(file.key, { content: file.content, contentType: file.contentType });
      uploads.push({ project: project_name, hashes: files.map((file) => file.key) });
      return { result: null };
    },
    asJwt,
  );

  context.route(
    "POST",
    "/pages/assets/upsert-hashes",
    (request) => {
      for (const hash of readHashes(context, request.body)) if (blobs.has(hash)) known.add(hash);
      return { result: true };
    },
    asJwt,
  );

  return { issueToken, get: (hash) => blobs.get(hash), uploads };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function sign(secret: Buffer, unsigned: string): string {
  return createHmac("sha256", secret).update(unsigned).digest("base64url");
}

function verifyToken(secret: Buffer, token: string | undefined): UploadClaims | undefined {
  const [header, payload, signature, ...rest] = token?.split(".") ?? [];
  if (!header || !payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(sign(secret, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as UploadClaims;
  return claims.exp > Date.now() / 1000 ? claims : undefined;
}

function readHashes(context: EmulatorAreaContext, body: unknown): string[] {
  const hashes = (body as { hashes?: unknown } | undefined)?.hashes;
  if (!Array.isArray(hashes) || !hashes.every((hash) => typeof hash === "string" && hashPattern.test(hash))) {
    context.fail(400, { code: pagesUnknownError, message: "Invalid request body: hashes must be 32 hex digits each" });
  }
  return hashes as string[];
}

interface UploadedFile {
  key: string;
  content: Buffer;
  contentType: string;
}

/** `[{key, value (base64), metadata: {contentType}, base64: true}]`, each blob checked against its key. */
function readUpload(context: EmulatorAreaContext, body: EmulatorRequest["body"]): UploadedFile[] {
  if (!Array.isArray(body))
    context.fail(400, { code: pagesUnknownError, message: "Invalid request body: expected an array" });
  return body.map((entry: unknown, index): UploadedFile => {
    const { key, value, metadata, base64 } = (entry ?? {}) as Record<string, unknown>;
    const contentType = (metadata as { contentType?: unknown } | undefined)?.contentType;
    if (typeof key !== "string" || !hashPattern.test(key) || typeof value !== "string" || base64 !== true) {
      context.fail(400, {
        code: pagesUnknownError,
        message: `Invalid request body: file ${index} needs key (32 hex digits), value (base64) and base64: true`,
      });
    }
    if (typeof contentType !== "string") {
      context.fail(400, {
        code: pagesUnknownError,
        message: `Invalid request body: file ${index} has no metadata.contentType`,
      });
    }
    const content = Buffer.from(value, "base64");
    if (content.toString("base64") !== value.replace(/\s/g, "")) {
      context.fail(400, { code: pagesUnknownError, message: `Invalid request body: file ${key} is not valid base64` });
    }
    if (content.length > pagesMaxAssetSize) {
      context.fail(413, {
        code: pagesUnknownError,
        message: `File ${key} is ${content.length} bytes; Pages takes at most 25 MiB`,
      });
    }
    if (!keyFitsContent(key, content.toString("base64"), contentType)) {
      context.fail(400, {
        code: pagesUnknownError,
        message: `Hash mismatch: ${key} is not the hash of the uploaded ${contentType} content (emulator check)`,
      });
    }
    return { key, content, contentType };
  });
}

/**
 * The upload names no file, and the hash covers the extension, so the key can only be checked against
 * the extensions that give that content type. wrangler takes the type from mime@3.0.0's table; these are
 * its complete extension lists for the common web types (the test checks them against the bundled
 * table), so no upload wrangler makes is refused. For other types (application/octet-stream is also
 * what unknown extensions get) the check waits for the deployment, whose manifest names the path.
 */
export const extensionsByContentType: Record<string, readonly string[]> = {
  "text/html": ["html", "htm", "shtml"],
  "text/css": ["css"],
  "application/javascript": ["js", "mjs"],
  "application/json": ["json", "map"],
  "application/manifest+json": ["webmanifest"],
  "application/xml": ["xml", "xsl", "xsd", "rng"],
  "application/wasm": ["wasm"],
  "application/pdf": ["pdf"],
  "text/plain": ["txt", "text", "conf", "def", "list", "log", "in", "ini"],
  "text/markdown": ["markdown", "md"],
  "text/csv": ["csv"],
  "image/png": ["png"],
  "image/jpeg": ["jpeg", "jpg", "jpe"],
  "image/gif": ["gif"],
  "image/svg+xml": ["svg", "svgz"],
  "image/webp": ["webp"],
  "image/avif": ["avif"],
  "image/vnd.microsoft.icon": ["ico"],
  "font/woff": ["woff"],
  "font/woff2": ["woff2"],
  "font/ttf": ["ttf"],
  "font/otf": ["otf"],
};

function keyFitsContent(key: string, base64Content: string, contentType: string): boolean {
  const extensions = extensionsByContentType[contentType];
  if (!extensions) return true;
  // mime lower-cases the extension to find the type, the hash keeps its case; a root file named like
  // an extension ("html") gets the type with no extension at all.
  const candidates = ["", ...extensions.flatMap(caseVariants)];
  return candidates.some((extension) => pagesHash(base64Content, extension) === key);
}

function caseVariants(extension: string): string[] {
  let variants = [""];
  for (const char of extension) {
    const cases = char.toUpperCase() === char ? [char] : [char, char.toUpperCase()];
    variants = variants.flatMap((prefix) => cases.map((letter) => prefix + letter));
  }
  return variants;
}
