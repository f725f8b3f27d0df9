import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the run keeps the worker bundle the stack tests share (test/stack/shared-worker-bundle.ts). */
    workerBundleDir: string;
  }
}

/**
 * Gives the test run a folder for its one worker bundle. Nothing is bundled here: the first test that
 * needs the bundle builds it, so a run without stack tests bundles nothing. Each rerun in watch mode
 * starts from an empty folder and bundles the sources as they are then.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-worker-bundle-"));
  project.provide("workerBundleDir", dir);
  project.onTestsRerun(() => {
    for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { force: true });
  });
  return () => rmSync(dir, { recursive: true, force: true });
}
