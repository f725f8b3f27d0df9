import * as pulumi from "@pulumi/pulumi";
import type * as cloudflare from "@pulumi/cloudflare";
import type { Env } from "../worker/env";
import type { StackConfig } from "./config";

type Binding = cloudflare.types.input.WorkersScriptBinding;
type BindingBody = Omit<Binding, "name">;

/** One entry per key of the worker's Env; `undefined` where an optional binding is not configured. */
type BindingMap = Record<keyof Env, BindingBody | undefined>;

export interface BindingTargets {
  databaseId: pulumi.Input<string>;
  kvNamespaceId: pulumi.Input<string>;
  agentKey: pulumi.Input<string>;
  /** Browser origins allowed to call the API (the Pages origin among them). */
  allowedOrigins: pulumi.Input<string[]>;
  /** The Yellow Pages listing's management token, when the listing is opted in. */
  registryToken?: pulumi.Input<string>;
}

const plain = (text: pulumi.Input<string>): BindingBody => ({ type: "plain_text", text });
const secret = (text: pulumi.Input<string> | undefined): BindingBody | undefined =>
  text === undefined ? undefined : { type: "secret_text", text: pulumi.secret(text) };
const optionalPlain = (text: string): BindingBody | undefined => (text === "" ? undefined : plain(text));

/**
 * The worker's bindings, sorted by name so previews stay quiet. Provider keys are bound only when
 * configured; every secret stays a Pulumi secret.
 */
export function workerBindings(config: StackConfig, targets: BindingTargets): Binding[] {
  const keys = config.providerKeys;
  const bindings = {
    DB: { type: "d1", id: targets.databaseId },
    SESSION: { type: "kv_namespace", namespaceId: targets.kvNamespaceId },
    AI: { type: "ai" },
    AGENT_KEY: secret(targets.agentKey),
    AGENT_ID: plain(config.agentId),
    AGENT_NAME: plain(config.agentName),
    LLM_PROVIDER: plain(config.llmProvider),
    LLM_MODEL: optionalPlain(config.llmModel),
    LLM_FALLBACK: optionalPlain(config.llmFallback.join(",")),
    LLM_TIMEOUT_SECONDS: plain(String(config.llmTimeoutSeconds)),
    OPENAI_API_KEY: secret(keys.openai),
    OPENAI_BASE_URL: optionalPlain(config.openaiBaseUrl),
    ANTHROPIC_API_KEY: secret(keys.anthropic),
    GEMINI_API_KEY: secret(keys.gemini),
    GROQ_API_KEY: secret(keys.groq),
    EMBEDDING_PROVIDER: plain(config.embeddingProvider),
    ALLOWED_ORIGINS: plain(pulumi.output(targets.allowedOrigins).apply((origins) => origins.join(","))),
    SESSION_TTL_SECONDS: plain(String(config.sessionTtlSeconds)),
    TELEMETRY: plain(String(config.telemetry)),
    TELEMETRY_URL: config.telemetry ? plain(config.telemetryUrl) : undefined,
    YELLOW_PAGES: plain(String(config.yellowPages)),
    REGISTRY_URL: config.yellowPages ? plain(config.yellowPagesRegistryUrl) : undefined,
    REGISTRY_TOKEN: config.yellowPages ? secret(targets.registryToken) : undefined,
    SHARE_COHERENCE: config.yellowPages ? plain(String(config.yellowPagesShareCoherence)) : undefined,
    CONTACT_CALLER_LIMIT: plain(String(config.contactCallerLimit)),
    CONTACT_HOURLY_CAP: plain(String(config.contactHourlyCap)),
    CONTACT_RETENTION_DAYS: plain(String(config.contactRetentionDays)),
    CONVERSATION_RETENTION_DAYS:
      config.conversationRetentionDays > 0 ? plain(String(config.conversationRetentionDays)) : undefined,
    CONVERSATION_TITLES: plain(config.conversationTitles),
  } satisfies BindingMap;

  return Object.entries(bindings)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([name, body]) => (body === undefined ? [] : [{ name, ...body }]));
}
