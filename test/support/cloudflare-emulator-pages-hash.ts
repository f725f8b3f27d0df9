import { createRequire } from "node:module";
import * as path from "node:path";

/**
 * The key of a Pages asset, as wrangler computes it (src/pages/hash.ts, `hashFile`; wrangler 4.86.0
 * bundles it in wrangler-dist/cli.js as `hashFile` next to `init_hash`): BLAKE3 over the file's base64
 * text followed by its extension without the dot, hex, first 32 characters. So the same bytes under two
 * extensions are two assets, and the upload itself (which carries no file name) cannot be re-hashed
 * without knowing the path.
 */
export function pagesFileHash(content: Buffer, filePath: string): string {
  return pagesHash(content.toString("base64"), pagesExtension(filePath));
}

/** The same from the base64 text an upload carries and an extension (without the dot). */
export function pagesHash(base64Content: string, extension: string): string {
  return blake3()
    .hash(base64Content + extension)
    .toString("hex")
    .slice(0, 32);
}

/**
 * `path.extname(file).substring(1)`, as wrangler takes it: the text after the last dot of the base
 * name, "" for `README`, `.well-known/foobar`, `.bashrc` and `_headers`.
 */
export function pagesExtension(filePath: string): string {
  return path.posix.extname(filePath.replaceAll("\\", "/")).slice(1);
}

interface Blake3 {
  hash(input: string | Buffer): Buffer;
}

let loaded: Blake3 | undefined;

/**
 * The blake3-wasm that wrangler itself depends on (not a dependency of this project), resolved from
 * wrangler's folder so the hash is wrangler's even if npm stops hoisting it.
 */
function blake3(): Blake3 {
  if (!loaded) {
    const fromHere = createRequire(__filename);
    const fromWrangler = createRequire(fromHere.resolve("wrangler/package.json"));
    loaded = fromWrangler("blake3-wasm") as Blake3;
  }
  return loaded;
}
