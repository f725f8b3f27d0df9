/**
 * The `_headers` file of a Pages build: response headers for the files it serves (the chat app's
 * Content-Security-Policy with `frame-ancestors`, which no <meta> tag can set). Direct upload does not
 * send it as an asset (readPagesManifest leaves it out, as wrangler does) but as a part of the
 * deployment's form, named `_headers` (wrangler 4, src/api/pages/deploy.ts).
 */

/** The build's `_headers`, or "" when it has none. */
export function readPagesHeaders(buildDir: string): string {
  // Required here: this function is also part of the Pages deployment provider's serialized code.
  const { existsSync, readFileSync } = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const file = path.join(path.resolve(buildDir), "_headers");
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** Adds the `_headers` part to a deployment's form, as wrangler does when the build has the file. */
export function attachPagesHeaders(form: FormData, headers: string | undefined): void {
  if (headers) form.set("_headers", new Blob([headers]), "_headers");
}
