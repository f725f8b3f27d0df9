import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildSync, type BuildOptions } from "esbuild";
import { projectRoot, workerBundleFile } from "./paths";

export interface WorkerBundle {
  /** The bundled module, as uploaded. */
  code: string;
  /** Hex sha256 of `code`: what state keeps and what previews compare. */
  sha256: string;
}

/** esbuild's options for a module workerd runs (the benchmark's workers use them too). */
export const workerdBuildOptions = {
  bundle: true,
  write: false,
  platform: "browser",
  format: "esm",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
} satisfies BuildOptions;

/**
 * Bundles worker/index.ts the way the deployment runs it. `browser` is the platform because the
 * Anthropic SDK drops its Node imports only under it; the workerd/worker conditions pick each
 * package's Workers build. Minified, without source maps or legal comments, the output holds no
 * path or time stamp, so the same sources always give the same bytes.
 */
export function bundleWorker(root: string = projectRoot): WorkerBundle {
  const result = buildSync({
    ...workerdBuildOptions,
    absWorkingDir: root,
    entryPoints: ["worker/index.ts"],
    minify: true,
    legalComments: "none",
    sourcemap: false,
    charset: "utf8",
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return { code, sha256: sha256Hex(code) };
}

/** Writes the bundle to `workerBundleFile` atomically (parallel tenant runs write the same bytes). */
export function writeWorkerBundle(bundle: WorkerBundle, root: string = projectRoot): string {
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
