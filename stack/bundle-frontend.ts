import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildSync, type Metafile } from "esbuild";
import { projectRoot } from "./paths";

/** What the app reads from `config.json` at start. */
export interface FrontendConfig {
  /** The worker's URL (the stack's `workerUrl` output); "" when the app is served by the worker itself. */
  workerUrl: string;
}

/** Files copied from `frontend/` into the build as they are. */
const copiedFiles = ["favicon.svg"] as const;

/**
 * Builds the chat app into `outDir`, replacing what was there: `index.html`, `app.js`, `app.css`,
 * `favicon.svg`, `config.json`, `_headers` (the app's response headers, which Pages and the local
 * run's Workers Assets both read) and `chunks/`, the code `app.js` loads with `import()` only when it
 * is needed (the syntax highlighter, once a code block appears). Minified, without source maps or legal comments, and with no
 * path or time stamp in any file, so the same sources and config always give the same bytes (the
 * Pages deployment compares files by content; a chunk's name carries its content hash). Returns the
 * file paths relative to `outDir` ("/"-separated), sorted.
 */
export function buildFrontend(outDir: string, config: FrontendConfig, root: string = projectRoot): string[] {
  const target = path.resolve(outDir);
  refuseDangerousTarget(target, root);
  const files = new Map<string, string | Uint8Array>();

  const result = buildSync({
    absWorkingDir: root,
    entryPoints: { app: "frontend/src/main.ts" },
    outdir: "frontend-build",
    bundle: true,
    splitting: true,
    // A chunk's hash covers its modules' paths: a linked node_modules must not make them differ.
    preserveSymlinks: true,
    chunkNames: "chunks/[name]-[hash]",
    write: false,
    platform: "browser",
    format: "esm",
    target: ["es2022", "chrome111", "firefox113", "safari16.4"],
    minify: true,
    legalComments: "none",
    sourcemap: false,
    charset: "utf8",
    logLevel: "silent",
    metafile: true,
  });
  const outputRoot = path.resolve(root, "frontend-build");
  for (const output of result.outputFiles) {
    files.set(path.relative(outputRoot, output.path).split(path.sep).join("/"), output.contents);
  }

  const html = readFileSync(path.join(root, "frontend", "index.html"), "utf8")
    .replace("__CONTENT_SECURITY_POLICY__", contentSecurityPolicy(config.workerUrl))
    .replace(/^( *)(<script type="module" src="app.js">)/m, (_match, indent: string, script: string) =>
      [...staticChunks(result.metafile, "frontend-build/app.js"), script].map((line) => indent + line).join("\n"),
    );
  files.set("index.html", html);
  for (const name of copiedFiles) {
    files.set(name, readFileSync(path.join(root, "frontend", name)));
  }
  files.set("config.json", `${JSON.stringify({ workerUrl: config.workerUrl }, null, 2)}\n`);
  files.set("_headers", headersFile(config.workerUrl));

  // Written beside the target and swapped in, so a reader never sees half a build.
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const [name, contents] of files) {
    mkdirSync(path.dirname(path.join(staging, name)), { recursive: true });
    writeFileSync(path.join(staging, name), contents);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  renameSync(staging, target);
  return [...files.keys()].sort();
}

/**
 * The chunks `app.js` imports statically: esbuild puts the helpers that the highlighter's CommonJS
 * core needs in a chunk of their own, shared with the entry point. Preloaded from the page, so they
 * are fetched beside `app.js`, not after it.
 */
function staticChunks(metafile: Metafile, entry: string): string[] {
  return (metafile.outputs[entry]?.imports ?? [])
    .filter((item) => item.kind === "import-statement" && !item.external)
    .map((item) => `<link rel="modulepreload" href="${path.posix.relative("frontend-build", item.path)}" />`);
}

/**
 * The page may load only its own files and talk only to its own origin and the worker's: a second
 * wall behind the app's rule of never turning model output into HTML. In a <meta> tag (so it holds
 * wherever the files are served) and, with what only a header can say, in `_headers`.
 */
export function contentSecurityPolicy(workerUrl: string): string {
  const connect = ["'self'", ...(workerUrl ? [new URL(workerUrl).origin] : [])].join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * Headers for every file of the app, in the `_headers` format of Pages and Workers Assets. Only a
 * header can forbid framing (`frame-ancestors` is ignored in a <meta> policy): no other site may
 * show the app in a frame and trick a click through it. Nothing is sniffed into another type, and
 * no page it links to learns where the visitor came from.
 */
export function headersFile(workerUrl: string): string {
  return [
    "/*",
    `  Content-Security-Policy: ${contentSecurityPolicy(workerUrl)}; frame-ancestors 'none'`,
    "  X-Frame-Options: DENY",
    "  X-Content-Type-Options: nosniff",
    "  Referrer-Policy: no-referrer",
    "",
  ].join("\n");
}

/** The build folder is emptied first, so it must be a folder of its own. */
function refuseDangerousTarget(target: string, root: string): void {
  const relative = path.relative(target, path.resolve(root));
  if (target === path.parse(target).root || relative === "" || !relative.startsWith("..")) {
    throw new Error(`buildFrontend: refusing to empty '${target}', which holds the project`);
  }
}
