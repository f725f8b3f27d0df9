import { beforeAll } from "vitest";
import type { WorkerBundle } from "../../stack/bundle";
import { parseStackConfig } from "../../stack/config";
import { installPulumiMocks } from "../support/pulumi-mocks";
import type { Operation } from "./fake-engine";
import { sharedWorkerBundle } from "./shared-worker-bundle";
import { configSource } from "./use-sos-stack";

/**
 * The real program, as index.ts declares it, for a lifecycle test file: Pulumi's mocks installed
 * before the modules that declare resources are loaded, and the test run's worker bundle.
 */
export function useLifecycleProgram(mockStack: string, accountId: string) {
  let worker: WorkerBundle;
  let stackModule: typeof import("../../stack/sos-stack.js");

  beforeAll(async () => {
    await installPulumiMocks(mockStack);
    stackModule = await import("../../stack/sos-stack.js");
    worker = await sharedWorkerBundle();
  });

  /** The program of `stack` with these config values (the account given; the token only if listed). */
  return (stack: string, values: Record<string, string>): (() => void) => {
    const source = configSource({ "sos:accountId": accountId, ...values }, stack);
    return () => {
      const config = parseStackConfig(source);
      new stackModule.SosStack("sos", { config, worker });
    };
  };
}

/** Each resource's steps in an operation, e.g. "replace,delete" (the new one created, then the old one deleted). */
export function stepsByName(operation: Operation): Record<string, string> {
  const byName: Record<string, string[]> = {};
  for (const step of operation.steps) (byName[step.name] ??= []).push(step.op);
  return Object.fromEntries(Object.entries(byName).map(([name, list]) => [name, list.join(",")]));
}
