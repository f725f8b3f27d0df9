import { writeFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlanResource } from "./fake-pulumi/plan";
import { isRpcSecret, unwrapSecrets, valueOf, type RegisteredResource } from "./pulumi-mocks";

/**
 * What the stand-in `pulumi` deploys: the resources the real program registers for a configuration,
 * read by running SosStack as index.ts declares it, under Pulumi's mocks (installPulumiMocks must be in place,
 * `registered` being its record), with the outputs the test decides (a live worker's URL and key).
 */
export async function planFromProgram(
  registered: RegisteredResource[],
  values: Record<string, string>,
  outputs: Plan["outputs"],
  stack = "main",
): Promise<Plan> {
  const { parseStackConfig } = await import("../../stack/config.js");
  const { SosStack } = await import("../../stack/sos-stack.js");
  const { componentName } = await import("../../stack/names.js");
  const before = registered.length;
  const secretKeys = new Set(["cloudflare:apiToken", "sos:agentKey", "sos:openaiApiKey", "sos:anthropicApiKey", "sos:geminiApiKey", "sos:groqApiKey"]);
  const config = parseStackConfig({ stack, get: (key) => values[key], isSecret: (key) => secretKeys.has(key), env: {} });
  // As index.ts declares it.
  const sos = new SosStack(componentName, { config });
  await valueOf(pulumi.all([sos.workerUrl, sos.pagesUrl, sos.databaseId, sos.kvNamespaceId, sos.agentKey]));
  const resources = registered.slice(before).map(planResource);
  return { resources, outputs, configRequired: [] };
}

function planResource(resource: RegisteredResource): PlanResource {
  const secretInputs = Object.entries(resource.inputs)
    .filter(([, value]) => isRpcSecret(value))
    .map(([key]) => key);
  const parent = resource.parent.split("::").pop();
  return {
    type: resource.type,
    name: resource.name,
    ...(parent && !resource.parent.includes("pulumi:pulumi:Stack") && { parent }),
    custom: resource.type !== "sos:index:SosStack",
    inputs: unwrapSecrets(resource.inputs) as Record<string, unknown>,
    secretInputs,
    retainOnDelete: resource.retainOnDelete,
  };
}

export function writePlan(file: string, plan: Plan): string {
  writeFileSync(file, JSON.stringify(plan));
  return file;
}
