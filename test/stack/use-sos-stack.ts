import * as pulumi from "@pulumi/pulumi";
import { beforeAll } from "vitest";
import type { WorkerBundle } from "../../stack/bundle";
import {
  apiTokenKey,
  parseStackConfig,
  providerKeyNames,
  type ConfigSource,
  type StackConfig,
} from "../../stack/config";
import { componentName } from "../../stack/names";
import { installPulumiMocks, valueOf, type RegisteredResource } from "../support/pulumi-mocks";
import { recordRegistrations, type RegistrationDetails } from "./registrations";
import { sharedWorkerBundle } from "./shared-worker-bundle";

/** The types SosStack registers, as the engine names them. */
export const resourceType = {
  stack: "sos:index:SosStack",
  provider: "pulumi:providers:cloudflare",
  database: "cloudflare:index/d1Database:D1Database",
  kv: "cloudflare:index/workersKvNamespace:WorkersKvNamespace",
  script: "cloudflare:index/workersScript:WorkersScript",
  route: "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain",
  pages: "cloudflare:index/pagesProject:PagesProject",
  password: "random:index/randomPassword:RandomPassword",
  dynamic: "pulumi-nodejs:dynamic:Resource",
  cron: "cloudflare:index/workersCronTrigger:WorkersCronTrigger",
};

type SosStackModule = typeof import("../../stack/sos-stack.js");

export interface EvaluateOptions {
  /** The Pulumi stack whose config `values` are. @default "dev" */
  stack?: string;
  /** The component's name. @default componentName, as index.ts names it */
  name?: (config: StackConfig) => string;
  /** @default the test run's bundle of worker/ */
  worker?: WorkerBundle;
}

/** One evaluation of the program: the component, its config, and what it registered. */
export interface Evaluation {
  sos: InstanceType<SosStackModule["SosStack"]>;
  config: StackConfig;
  resources: RegisteredResource[];
  details: RegistrationDetails[];
}

/**
 * SosStack under Pulumi's mocks, for one test file: the mocks installed before the modules that
 * declare resources are loaded, and the test run's worker bundle. `evaluate` declares a stack from
 * config values and waits until every output and registration is in.
 */
export function useSosStack(mockStack = "dev") {
  let registered: RegisteredResource[];
  let details: RegistrationDetails[];
  let stackModule: SosStackModule;
  let worker: WorkerBundle;

  beforeAll(async () => {
    registered = await installPulumiMocks(mockStack);
    details = recordRegistrations();
    stackModule = await import("../../stack/sos-stack.js");
    worker = await sharedWorkerBundle();
  });

  async function evaluate(values: Record<string, string>, options: EvaluateOptions = {}): Promise<Evaluation> {
    const before = { resources: registered.length, details: details.length };
    const config = parseStackConfig(configSource(values, options.stack ?? "dev"));
    const name = options.name?.(config) ?? componentName;
    const sos = new stackModule.SosStack(name, { config, worker: options.worker ?? worker });
    await valueOf(
      pulumi.all([sos.workerUrl, sos.pagesUrl, sos.databaseId, sos.kvNamespaceId, sos.agentId, sos.agentKey]),
    );
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return {
      sos,
      config,
      resources: registered.slice(before.resources),
      details: details.slice(before.details),
    };
  }

  return {
    evaluate,
    /** stack/sos-stack.ts, as loaded under the mocks. */
    sosStack: (): SosStackModule => stackModule,
  };
}

/** Config as Pulumi hands it over: `values`, with the token and every secret key stored as secrets. */
export function configSource(values: Record<string, string>, stack: string): ConfigSource {
  const secrets = new Set([apiTokenKey, "sos:agentKey", ...Object.values(providerKeyNames).map((key) => `sos:${key}`)]);
  return { stack, get: (key) => values[key], isSecret: (key) => secrets.has(key), env: {} };
}
