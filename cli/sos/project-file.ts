import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";
import { projectRoot } from "../../stack/paths";

/**
 * Pulumi.yaml for a work folder outside the package: the package's own project file (name, runtime,
 * typed config with its defaults), with `main` pointing back at the program. Written on every run, so
 * a newer package (an upgrade) is what the next `up` deploys.
 */
export function writeProjectFile(workDir: string, root: string = projectRoot): void {
  const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
  project.main = path.relative(workDir, root) || ".";
  // `--import tsx` would be resolved from the work folder, which has no node_modules: name the loader.
  const runtime = project.runtime as { options: Record<string, unknown> };
  runtime.options.nodeargs = `--import ${pathToFileURL(require.resolve("tsx", { paths: [root] })).href}`;
  writeFileSync(path.join(workDir, "Pulumi.yaml"), stringify(project));
}
