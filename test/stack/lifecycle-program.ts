import { beforeAll } from "vitest";
import type { WorkerBundle } from "../../stack/bundle";
import type { ConfigSource } from "../../stack/config";
import { installPulumiMocks } from "../support/pulumi-mocks";
import type { Operation } from "./fake-engine";

/**
 * The real program, as index.ts declares it, for a lifecycle test file: Pulumi's mocks installed
 * before the modules that declare resources are loaded, the worker bundled once.
 */
export function useLifecycleProgram(mockStack: string, accountId: string) {
  let worker: WorkerBundle;
  let configModule: typeof import("../../stack/config.js");
  let stackModule: typeof import("../../stack/sos-stack.js");

  beforeAll(async () => {
    await installPulumiMocks(mockStack);
    configModule = await import("../../stack/config.js");
    stackModule = await import("../../stack/sos-stack.js");
    worker = (await import("../../stack/bundle.js")).bundleWorker();
  });

  /** The program of `stack` with these config values (the account given; the token only if listed). */
  return (stack: string, values: Record<string, string>): (() => void) => {
    const source: ConfigSource = {
      stack,
      get: (key) => ({ "sos:accountId": accountId, ...values })[key],
      isSecret: (key) => key === "cloudflare:apiToken",
      env: {},
    };
    return () => {
      const config = configModule.parseStackConfig(source);
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
