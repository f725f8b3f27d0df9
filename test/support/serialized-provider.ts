import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../stack/paths";
import { unwrapSecrets, type RegisteredResource } from "./pulumi-mocks";

/**
 * The engine never runs a dynamic provider in the program's process: it keeps the provider's code,
 * serialized by pulumi.runtime.serializeFunction, as the `__provider` input, and loads that text in a
 * provider host. These helpers do the same with what the mocks recorded.
 */
export interface SerializedProvider {
  /** The serialized code, as stored in state. */
  text: string;
  /** The resource's inputs as the provider receives them (secrets unwrapped, `__provider` left out). */
  inputs: Record<string, unknown>;
  /** Runs one provider method in a fresh Node process; resolves with its result or its error message. */
  run(method: string, args: unknown[], env?: Record<string, string>): Promise<{ result?: unknown; error?: string }>;
  remove(): void;
}

export function serializedProvider(registration: RegisteredResource): SerializedProvider {
  const { __provider: text, ...wrapped } = registration.inputs;
  const work = mkdtempSync(path.join(tmpdir(), "sos-provider-"));
  let runs = 0;
  return {
    text: String(text),
    inputs: unwrapSecrets(wrapped) as Record<string, unknown>,
    async run(method, args, env = {}) {
      const file = path.join(work, `provider-${runs++}.js`);
      writeFileSync(file, String(text));
      // As the engine's provider host does: require-from-string, run from the project's folder, so
      // the modules the code requires resolve from the project's node_modules.
      const script = `
        const code = require("node:fs").readFileSync(${JSON.stringify(file)}, "utf8");
        const provider = require("require-from-string")(code).handler();
        Promise.resolve(provider[${JSON.stringify(method)}](...${JSON.stringify(args)}))
          .then((result) => process.stdout.write(JSON.stringify({ result: result ?? null })))
          .catch((error) => process.stdout.write(JSON.stringify({ error: String(error.message) })));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH, ...env },
      });
      return JSON.parse(stdout) as { result?: unknown; error?: string };
    },
    remove: () => rmSync(work, { recursive: true, force: true }),
  };
}
