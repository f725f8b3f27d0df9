import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildSync, type BuildOptions, type Metafile } from "esbuild";
import { projectRoot, workerBundleFile } from "./paths";

/** A WebAssembly module the worker imports, uploaded beside worker.js under `name`. */
export interface WasmModule {
  /** The module's name in the upload: the import in worker.js is `./<name>`. */
  name: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface WorkerBundle {
  /** The bundled module, as uploaded. */
  code: string;
  /** Hex sha256 of `code`: what state keeps and what previews compare. */
  sha256: string;
  /** The `.wasm` modules `code` imports (committed binaries, see cli/wasm-modules.ts). */
  wasm: WasmModule[];
}

/**
 * esbuild's options for a module workerd runs. A `.wasm` import stays an import: workerd (and
 * Cloudflare) hand the module over compiled, which a Worker cannot do itself at run time.
 */
const workerdBuildOptions = {
  bundle: true,
  write: false,
  platform: "browser",
  format: "esm",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  external: ["*.wasm"],
  metafile: true,
} satisfies BuildOptions;

/**
 * Bundles worker/index.ts the way the deployment runs it. `browser` is the platform because the
 * Anthropic SDK drops its Node imports only under it; the workerd/worker conditions pick each
 * package's Workers build. Minified, without source maps or legal comments, the output holds no
 * path or time stamp, so the same sources always give the same bytes.
 */
export function bundleWorker(root: string = projectRoot): WorkerBundle {
  return bundleModule("worker/index.ts", root, {
    minify: true,
    legalComments: "none",
    sourcemap: false,
    charset: "utf8",
  });
}

/**
 * Bundles `entry` (relative to `root`) for workerd, with the WebAssembly modules it imports (the
 * deployment's worker, and the benchmark's).
 */
export function bundleModule(
  entry: string,
  root: string = projectRoot,
  options: Pick<BuildOptions, "minify" | "legalComments" | "sourcemap" | "charset"> = {},
): WorkerBundle {
  const result = buildSync({
    ...workerdBuildOptions,
    ...options,
    absWorkingDir: root,
    entryPoints: [entry],
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return { code, sha256: sha256Hex(code), wasm: importedWasm(result.metafile, root) };
}

/**
 * The `.wasm` files the bundle imports, read from the folder of the source importing each. Every
 * import must be `./<name>.wasm` with a name no other module has: worker.js keeps it as written.
 */
function importedWasm(metafile: Metafile, root: string): WasmModule[] {
  const modules = new Map<string, WasmModule & { source: string }>();
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || !imported.path.endsWith(".wasm")) continue;
      const name = imported.path.slice(2);
      const source = path.join(path.dirname(importer), imported.path);
      if (!imported.path.startsWith("./") || name.includes("/")) {
        throw new Error(`${importer} imports ${imported.path}: a worker imports WebAssembly as ./<name>.wasm`);
      }
      const known = modules.get(name);
      if (known && known.source !== source) throw new Error(`two WebAssembly modules are named ${name}`);
      const bytes = new Uint8Array(readFileSync(path.join(root, source)));
      modules.set(name, { name, bytes, sha256: sha256Hex(bytes), source });
    }
  }
  return [...modules.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 }));
}

/**
 * Writes the bundle to `workerBundleFile` atomically (parallel tenant runs write the same bytes).
 * Relative to the program's working folder, which is where the Cloudflare provider resolves
 * `contentFile`: the project folder for a plain `pulumi up`, the stack's work folder under `sos`.
 */
export function writeWorkerBundle(bundle: WorkerBundle, root: string = process.cwd()): string {
  const file = path.join(root, workerBundleFile);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bundle.code);
  renameSync(temporary, file);
  return file;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
