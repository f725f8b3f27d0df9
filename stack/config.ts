import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  embeddingOptions,
  providerNames,
  type EmbeddingOption,
  type ProviderName,
} from "../worker/llm/provider-catalog";
import { nameLimitProblems, prefixPattern, prefixRule } from "./names";

/** The catalog's lists under the names `sos init` (cli/sos/commands/init.ts) imports them by. */

/** Provider API keys, each a secret config key of its own and a `secret_text` binding of the worker. */
export const providerKeyNames = {
  openai: "openaiApiKey",
  anthropic: "anthropicApiKey",
  gemini: "geminiApiKey",
  groq: "groqApiKey",
} as const satisfies Partial<Record<ProviderName, string>>;
export type KeyedProvider = keyof typeof providerKeyNames;

const secretKeys = ["agentKey", ...Object.values(providerKeyNames)] as const;
type SecretKey = (typeof secretKeys)[number];

/** The API token's key; it belongs to the Cloudflare provider's namespace. */
export const apiTokenKey = "cloudflare:apiToken";

const prefix = z
  .string()
  .regex(prefixPattern, prefixRule)
  .superRefine((value, context) => {
    for (const problem of nameLimitProblems(value)) context.addIssue({ code: "custom", message: problem });
  });

/** A JSON array as Pulumi stores it, or a comma-separated list as typed on the command line. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => {
    if (typeof value !== "string") return value;
    const text = value.trim();
    if (text === "") return [];
    if (text.startsWith("[")) {
      try {
        return JSON.parse(text);
      } catch {
        return value;
      }
    }
    return text.split(",").map((part) => part.trim());
  }, z.array(item));
}

const origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}, "an origin such as https://chat.example.com (scheme and host, no path or trailing slash)");

export const settingsSchema = z.object({
  accountId: z
    .string({ error: "is required: pulumi config set sos:accountId <32-hex account id>" })
    .regex(/^[0-9a-f]{32}$/, "a Cloudflare account id is 32 lowercase hex characters"),
  prefix: z.union([z.literal(""), prefix], { error: prefixRule }).default(""),
  agentId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,64}$/, "letters, digits, '.', '_' and '-', at most 64 characters")
    .default(""),
  agentName: z.string().trim().min(1).max(64).default("SOS"),
  retainData: z.stringbool({ error: "true or false" }).default(true),
  // Coming back to kept data: the stack takes these over (Pulumi's import) instead of creating new ones.
  adoptDatabaseId: z
    .union([z.literal(""), z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)], {
      error: "a D1 database id (uuid, as `npx wrangler d1 list` shows it)",
    })
    .default(""),
  adoptKvNamespaceId: z
    .union([z.literal(""), z.string().regex(/^[0-9a-f]{32}$/)], {
      error: "a KV namespace id (32 hex characters, as `npx wrangler kv namespace list` shows it)",
    })
    .default(""),
  allowPrefixChange: z.stringbool({ error: "true or false" }).default(false),
  pagesKeepDeployments: z.coerce.number().int().min(1).max(50).default(10),
  llmProvider: z.enum(providerNames).default("workers-ai"),
  llmModel: z.string().max(200).default(""),
  llmFallback: list(z.enum(providerNames)).default([]),
  llmTimeoutSeconds: z.coerce.number().int().min(1).max(600).default(60),
  openaiBaseUrl: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default(""),
  embeddingProvider: z.enum(embeddingOptions).default("workers-ai"),
  allowedOrigins: list(origin).default([]),
  sessionTtlSeconds: z.coerce.number().int().min(60).max(31_536_000).default(86_400),
  workersDevSubdomain: z
    .union([z.literal(""), z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a subdomain label")])
    .default(""),
  // Opt-ins: nothing leaves the account unless one of these is turned on.
  yellowPages: z.stringbool({ error: "true or false" }).default(false),
  yellowPagesRegistryUrl: z.url({ protocol: /^https?$/ }).default("https://mumega.com/registry"),
  yellowPagesName: z.string().trim().max(64).default(""),
  yellowPagesSkills: list(z.string().trim().min(1).max(40)).pipe(z.array(z.string()).max(10)).default([]),
  yellowPagesShareCoherence: z.stringbool({ error: "true or false" }).default(true),
  yellowPagesCallbackUrl: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default(""),
  telemetry: z.stringbool({ error: "true or false" }).default(false),
  telemetryUrl: z.url({ protocol: /^https?$/ }).default("https://mumega.com/telemetry"),
  // The public inbox (POST /api/contact): per-caller limit, overall cap, and how long messages are kept.
  contactCallerLimit: z.coerce.number().int().min(1).max(10_000).default(5),
  contactHourlyCap: z.coerce.number().int().min(1).max(1_000_000).default(100),
  contactRetentionDays: z.coerce.number().int().min(1).max(3_650).default(30),
  // 0: conversations are kept until the user deletes them.
  conversationRetentionDays: z.coerce.number().int().min(0).max(36_500).default(0),
  conversationTitles: z.enum(["model", "message"]).default("model"),
});

type Settings = z.infer<typeof settingsSchema>;

/** The validated stack configuration: plain settings, and secrets that stay Pulumi secrets. */
export interface StackConfig extends Omit<Settings, "prefix" | "agentId"> {
  stack: string;
  prefix: string;
  agentId: string;
  /** The Cloudflare API token, from `cloudflare:apiToken` or CLOUDFLARE_API_TOKEN. */
  apiToken: pulumi.Output<string>;
  /** The agent key when configured; generated by the stack otherwise. */
  agentKey?: pulumi.Output<string>;
  providerKeys: Partial<Record<KeyedProvider, pulumi.Output<string>>>;
}

/** What the program reads: raw config strings by full key, their secrecy, and the environment. */
export interface ConfigSource {
  stack: string;
  get(key: string): string | undefined;
  isSecret(key: string): boolean;
  env: Record<string, string | undefined>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid SOS stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Reads and validates the whole stack configuration; throws one ConfigError listing every problem. */
export function parseStackConfig(source: ConfigSource): StackConfig {
  const problems: string[] = [];
  // Each key is parsed on its own, so one bad key does not hide the problems of the others.
  const parsed: Partial<Settings> = {};
  for (const [key, schema] of Object.entries(settingsSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(nonEmpty(source.get(`sos:${key}`)));
    if (result.success) {
      (parsed as Record<string, unknown>)[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        problems.push(`sos:${[key, ...issue.path].join(".")}: ${issue.message}`);
      }
    }
  }

  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const key of secretKeys) {
    const value = nonEmpty(source.get(`sos:${key}`));
    if (value === undefined) continue;
    if (!source.isSecret(`sos:${key}`)) {
      problems.push(`sos:${key}: must be stored as a secret: pulumi config set --secret sos:${key} <value>`);
    } else if (key === "agentKey" && value.length < 32) {
      problems.push("sos:agentKey: must be at least 32 characters long");
    }
    secrets[key] = pulumi.secret(value);
  }

  const token = nonEmpty(source.get(apiTokenKey));
  if (token !== undefined && !source.isSecret(apiTokenKey)) {
    problems.push(`${apiTokenKey}: must be stored as a secret: pulumi config set --secret ${apiTokenKey} <token>`);
  }
  const apiToken = token ?? nonEmpty(source.env.CLOUDFLARE_API_TOKEN);
  if (apiToken === undefined) {
    problems.push(
      `${apiTokenKey}: is required: pulumi config set --secret ${apiTokenKey} <token> (or set CLOUDFLARE_API_TOKEN)`,
    );
  }

  problems.push(...providerProblems(parsed, secrets));
  if (parsed.prefix === "") problems.push(...defaultPrefixProblems(source.stack));
  if (problems.length > 0 || apiToken === undefined) {
    throw new ConfigError(problems);
  }

  const settings = parsed as Settings;
  const prefix = settings.prefix || defaultPrefix(source.stack);
  const providerKeys: StackConfig["providerKeys"] = {};
  for (const [provider, key] of Object.entries(providerKeyNames) as [KeyedProvider, SecretKey][]) {
    if (secrets[key]) providerKeys[provider] = secrets[key];
  }
  return {
    ...settings,
    stack: source.stack,
    prefix,
    agentId: settings.agentId || prefix,
    apiToken: pulumi.secret(apiToken),
    agentKey: secrets.agentKey,
    providerKeys,
  };
}

/** Each provider that will be called needs its key (an OpenAI-compatible server may run without one). */
function providerProblems(settings: Partial<Settings>, secrets: Partial<Record<SecretKey, unknown>>): string[] {
  const problems: string[] = [];
  const needsKey = (provider: ProviderName | EmbeddingOption) =>
    provider in providerKeyNames &&
    !secrets[providerKeyNames[provider as KeyedProvider]] &&
    !(provider === "openai" && settings.openaiBaseUrl);
  const chain = [settings.llmProvider ?? "workers-ai", ...(settings.llmFallback ?? [])];
  for (const provider of new Set(chain)) {
    if (needsKey(provider)) {
      problems.push(
        `sos:${providerKeyNames[provider as KeyedProvider]}: is required because ${provider} is in llmProvider/llmFallback`,
      );
    }
  }
  if (chain.length !== new Set(chain).size) {
    problems.push("sos:llmFallback: lists a provider twice or repeats llmProvider");
  }
  if (settings.embeddingProvider && needsKey(settings.embeddingProvider)) {
    problems.push(
      `sos:${providerKeyNames[settings.embeddingProvider as KeyedProvider]}: is required because embeddingProvider is ${settings.embeddingProvider}`,
    );
  }
  return problems;
}

/**
 * Without sos:prefix the stack's name is the prefix, `sos-<stack>`, only when it is one as it is:
 * reducing a name (case, '_', '.', a cut) would give `Tenant_A`, `tenant.a` and `tenant-a` the same
 * resources in one account.
 */
export function defaultPrefixProblems(stack: string): string[] {
  const derived = defaultPrefix(stack);
  if (`sos-${stack}` === derived && prefixPattern.test(derived)) return [];
  return [
    `sos:prefix: is required: the stack name '${stack}' does not make a prefix as it is (sos-<stack>, ${prefixRule}). ` +
      `Reduced it would be '${derived}', as it would for every stack name differing only in case, '_', '.' or ` +
      `beyond its 36th character, and two such stacks in one account would share resources. Set it: ` +
      `pulumi config set sos:prefix ${derived} (the prefix earlier releases gave this stack)`,
  ];
}

/** `sos-<stack>`, reduced to the characters Cloudflare resource names allow. */
export function defaultPrefix(stack: string): string {
  const slug = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 36);
  return `sos-${slug || "default"}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Whether the engine passed `key` as a secret. The SDK's own check is internal; without it every
 * value counts as secret, which only skips the "set it with --secret" advice.
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret ? runtime.isConfigSecret(key) : true;
}

/** The configuration of the running Pulumi program. */
export function readStackConfig(): StackConfig {
  return parseStackConfig({
    stack: pulumi.getStack(),
    get: (key) => pulumi.runtime.getConfig(key),
    isSecret: isConfigSecret,
    env: process.env,
  });
}
