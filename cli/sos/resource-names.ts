/** What each resource of the stack is, in words, from its Pulumi type and logical name. */
const typeLabels: Record<string, string> = {
  "sos:index:SosStack": "SOS deployment",
  "pulumi:providers:cloudflare": "Cloudflare provider",
  "cloudflare:index/d1Database:D1Database": "D1 database (memories)",
  "cloudflare:index/workersKvNamespace:WorkersKvNamespace": "KV namespace (sessions)",
  "cloudflare:index/workersScript:WorkersScript": "Worker (the runtime)",
  "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain": "workers.dev route",
  "cloudflare:index/pagesProject:PagesProject": "Pages project (chat app)",
  "cloudflare:index/workersCronTrigger:WorkersCronTrigger": "daily cron trigger",
  "random:index/randomPassword:RandomPassword": "agent key",
};

/** Dynamic resources share one type; their logical names end with what they are. */
const dynamicLabels: [suffix: string, label: string][] = [
  ["-migrations", "D1 migrations"],
  ["-frontend", "chat app upload (Pages deployment)"],
  ["-yellow-pages", "Yellow Pages listing"],
  ["-names", "name check (nothing in your account)"],
  ["-kept-data", "kept-data notice (nothing in your account)"],
  ["-workers-dev-subdomain", "workers.dev subdomain lookup"],
];

export const migrationsSuffix = "-migrations";
export const frontendSuffix = "-frontend";

export function resourceName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

export function resourceLabel(type: string, urn: string): string {
  if (type === "pulumi-nodejs:dynamic:Resource") {
    const name = resourceName(urn);
    return dynamicLabels.find(([suffix]) => name.endsWith(suffix))?.[1] ?? "dynamic resource";
  }
  return typeLabels[type] ?? type;
}

/**
 * Bookkeeping no customer thinks of as a resource of theirs: the stack's root, the component that
 * groups the rest, and the providers (Pulumi's plugins, nothing in the account).
 */
export function isBookkeeping(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || type === "sos:index:SosStack" || type.startsWith("pulumi:providers:");
}
