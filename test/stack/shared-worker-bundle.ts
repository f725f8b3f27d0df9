import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { deserialize, serialize } from "node:v8";
import { inject } from "vitest";
import type { WorkerBundle } from "../../stack/bundle";

/**
 * The worker bundle the stack tests deploy, built once per test run: bundling is the slowest step of
 * evaluating the program, and every evaluation would otherwise bundle the same sources again. The
 * first test file to ask bundles and leaves the bundle in the run's folder (worker-bundle-setup.ts);
 * the others, in whichever worker process, read it. bundle.test.ts bundles for itself.
 */

/** A test file that found the bundle being built waits this long for it, then bundles for itself. */
const waitLimitMs = 120_000;
const pollMs = 100;

type Bundler = typeof import("../../stack/bundle").bundleWorker;

/** The run's bundle of worker/, as SosStack's `worker` argument takes it. */
export async function sharedWorkerBundle(): Promise<WorkerBundle> {
  // Loaded here, not imported above: withSharedWorkerBundle runs while stack/bundle.ts is being mocked.
  const { bundleWorker } = await import("../../stack/bundle.js");
  return bundleOfThisRun(bundleWorker);
}

/**
 * stack/bundle.ts with bundleWorker answering the run's bundle, for `vi.mock`: index.ts gives SosStack
 * no bundle, so SosStack bundles. Another root is still bundled.
 */
export async function withSharedWorkerBundle<Module extends { bundleWorker: Bundler }>(
  actual: Module,
): Promise<Module> {
  const shared = await bundleOfThisRun(actual.bundleWorker);
  return { ...actual, bundleWorker: (root?: string) => (root === undefined ? shared : actual.bundleWorker(root)) };
}

async function bundleOfThisRun(bundleWorker: Bundler): Promise<WorkerBundle> {
  const dir = inject("workerBundleDir");
  if (!dir) return bundleWorker();
  const file = path.join(dir, "worker-bundle.bin");
  const lock = path.join(dir, "worker-bundle.lock");
  for (let waited = 0; ; waited += pollMs) {
    if (existsSync(file)) return readBundle(file);
    if (takeLock(lock)) {
      try {
        // Another file may have finished between the look and the lock.
        if (existsSync(file)) return readBundle(file);
        const bundle = bundleWorker();
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, serialize(bundle));
        renameSync(temporary, file);
        return bundle;
      } finally {
        rmSync(lock, { force: true });
      }
    }
    if (waited >= waitLimitMs) return bundleWorker();
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function readBundle(file: string): WorkerBundle {
  return deserialize(readFileSync(file)) as WorkerBundle;
}

/** True when this process created the lock file; false when another test file holds it. */
function takeLock(lock: string): boolean {
  try {
    closeSync(openSync(lock, "wx"));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
