/**
 * The names a stack's resources take, in two kinds: logical names (Pulumi's, in the URNs of the
 * state), fixed so that nothing is renamed in state when a setting changes; and physical names (the
 * Cloudflare resources'), derived from the prefix and checked against Cloudflare's limits.
 */

/** The component's logical name, and the base of its children's: `sos-memory`, `sos-worker`, ... */
export const componentName = "sos";

/** What each child is called in state; the suffixes are those the `sos` command reads (`-migrations`, ...). */
export const childSuffixes = {
  provider: "cloudflare",
  names: "names",
  subdomain: "workers-dev-subdomain",
  database: "memory",
  keptData: "kept-data",
  migrations: "migrations",
  session: "session",
  agentKey: "agent-key",
  pages: "chat",
  listing: "yellow-pages",
  worker: "worker",
  route: "workers-dev",
  frontend: "frontend",
  daily: "daily",
} as const;
export type Child = keyof typeof childSuffixes;

/** The children of releases whose logical names came from the prefix: only these need an alias. */
export const legacyChildren: ReadonlySet<Child> = new Set<Child>([
  "provider",
  "database",
  "migrations",
  "session",
  "agentKey",
  "pages",
  "listing",
  "worker",
  "route",
  "frontend",
  "daily",
]);

/** A child's logical name under a component named `base`. */
export function childName(base: string, child: Child): string {
  return `${base}-${childSuffixes[child]}`;
}

/** The Cloudflare names of one stack's resources. */
export interface ResourceNames {
  database: string;
  kvNamespace: string;
  worker: string;
  pages: string;
}

export function resourceNames(prefix: string): ResourceNames {
  return {
    database: `${prefix}-memory`,
    kvNamespace: `${prefix}-session`,
    worker: `${prefix}-worker`,
    pages: `${prefix}-chat`,
  };
}

/**
 * Cloudflare's limits on those names: a Worker's name is the first label of its workers.dev host
 * (63 characters, the DNS limit; the API's script naming rules say the same), a Pages project's at most
 * 58 (the dashboard's and the API's rule, leaving room for Pages' suffix in `<project>.pages.dev`),
 * a KV namespace title 512 bytes. D1 publishes no limit; its name is held to the Worker's.
 */
export const nameLimits: Record<keyof ResourceNames, number> = {
  database: 63,
  kvNamespace: 512,
  worker: 63,
  pages: 58,
};

const kindLabels: Record<keyof ResourceNames, string> = {
  database: "D1 database",
  kvNamespace: "KV namespace",
  worker: "Worker",
  pages: "Pages project",
};

/** What a prefix may be, in the words every refusal uses. */
export const prefixRule =
  "1 to 40 characters: lowercase letters a-z, digits 0-9 and '-', starting with a letter or digit";
export const prefixPattern = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Each derived name over its limit, in words; empty when all fit. */
export function nameLimitProblems(prefix: string): string[] {
  const names = resourceNames(prefix);
  return (Object.keys(names) as (keyof ResourceNames)[])
    .filter((kind) => names[kind].length > nameLimits[kind])
    .map(
      (kind) =>
        `${names[kind]} is ${names[kind].length} characters, over Cloudflare's ${nameLimits[kind]} for a ${kindLabels[kind]}`,
    );
}
