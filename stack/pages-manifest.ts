/**
 * A build folder as Pages direct upload sees it, read and hashed the way `wrangler pages deploy` does
 * (wrangler 4.86, src/pages/validate.ts and src/pages/hash.ts), so the stack and wrangler agree on
 * every asset key and a folder deployed by either is never uploaded twice.
 */

/*
 * node:fs, node:path and @noble/hashes are required inside the functions that use them: these functions
 * are also part of the Pages deployment provider's serialized code, which must load its modules in the
 * provider host (Pulumi's serializer cannot capture an imported module namespace under every loader).
 */

/** One file of the build. */
export interface PagesFile {
  /** The Pages asset key: see {@link pagesAssetHash}. */
  hash: string;
  size: number;
  contentType: string;
}

/** `"/path"` (posix, leading slash, sorted) → the file. */
export type PagesManifest = Record<string, PagesFile>;

/** wrangler's MAX_ASSET_SIZE and MAX_ASSET_COUNT_DEFAULT (src/pages/constants.ts). */
export const pagesMaxFileSize = 25 * 1024 * 1024;
export const pagesMaxFileCount = 20_000;

/**
 * What wrangler leaves out (its IGNORE_LIST): the special files it sends as form parts or compiles
 * (`_worker.js`, `_redirects`, `_headers`, `_routes.json`, `functions`) and its own cache, at the top
 * of the folder only; `.DS_Store`, `node_modules` and `.git` at any depth.
 */
const skippedAtTop = ["_worker.js", "_redirects", "_headers", "_routes.json", "functions", ".wrangler"];
const skippedAnywhere = [".DS_Store", "node_modules", ".git"];

/**
 * The content types wrangler's mime@3 table gives the extensions a web build holds; wrangler sends
 * application/octet-stream for names that table does not know, and so does this for any other name.
 */
const contentTypes: Record<string, string> = {
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  js: "application/javascript",
  mjs: "application/javascript",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  wasm: "application/wasm",
  txt: "text/plain",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/vnd.microsoft.icon",
  woff: "font/woff",
  woff2: "font/woff2",
};

/**
 * The asset key of a file: BLAKE3 of its base64 text followed by its extension without the dot (case
 * kept), hex, first 32 characters. The same bytes under another extension are another asset.
 */
export function pagesAssetHash(content: Uint8Array, filePath: string): string {
  const path = require("node:path") as typeof import("node:path");
  const { blake3 } = require("@noble/hashes/blake3") as typeof import("@noble/hashes/blake3");
  const extension = path.posix.extname(filePath).slice(1);
  const digest = blake3(Buffer.from(content).toString("base64") + extension);
  return Buffer.from(digest).toString("hex").slice(0, 32);
}

/**
 * mime@3's `getType`: the extension's type, case-insensitively; a name without a dot counts as an
 * extension only at the top of the folder (wrangler asks with the relative path).
 */
export function pagesContentType(filePath: string): string {
  const last = filePath.replace(/^.*\//, "").toLowerCase();
  const extension = last.replace(/^.*\./, "");
  const hasDot = extension.length < last.length - 1;
  const hasFolder = last.length < filePath.replace(/^\//, "").length;
  return ((hasDot || !hasFolder) && contentTypes[extension]) || "application/octet-stream";
}

/** Every file of `dir` wrangler would upload, hashed; refuses what Pages refuses. */
export function readPagesManifest(dir: string): PagesManifest {
  const { readdirSync, readFileSync, statSync } = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const root = path.resolve(dir);
  let rootStat;
  try {
    rootStat = statSync(root);
  } catch {
    throw new Error(`The Pages build folder ${root} does not exist; build the frontend first.`);
  }
  if (!rootStat.isDirectory()) throw new Error(`The Pages build folder ${root} is not a folder.`);

  const found: { key: string; absolute: string; size: number }[] = [];
  const walk = (folder: string, relative: string[]): void => {
    for (const name of readdirSync(folder)) {
      if (skippedAnywhere.includes(name) || (relative.length === 0 && skippedAtTop.includes(name))) continue;
      const absolute = path.join(folder, name);
      // Followed like wrangler's fs.stat: a symlink counts as what it points to.
      const stat = statSync(absolute);
      if (stat.isDirectory()) {
        walk(absolute, [...relative, name]);
        continue;
      }
      const key = `/${[...relative, name].join("/")}`;
      if (stat.size > pagesMaxFileSize) {
        throw new Error(
          `Pages only takes files up to 25 MiB; ${key} in ${root} is ${(stat.size / 1024 / 1024).toFixed(1)} MiB.`,
        );
      }
      found.push({ key, absolute, size: stat.size });
    }
  };
  walk(root, []);
  if (found.length > pagesMaxFileCount) {
    throw new Error(
      `Pages takes at most ${pagesMaxFileCount.toLocaleString("en-US")} files in a deployment; ${root} holds ` +
        `${found.length.toLocaleString("en-US")}. Check that the build folder is the right one.`,
    );
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return Object.fromEntries(
    found.map(({ key, absolute }) => {
      const content = readFileSync(absolute);
      return [key, { hash: pagesAssetHash(content, key), size: content.length, contentType: pagesContentType(key) }];
    }),
  );
}
