import * as z from "zod/mini";
import { settingsSchema } from "../stack/config";
import type { ProviderName } from "../worker/llm/provider-catalog";
import { heartbeatPayload, registrationPayload, telemetryPayload } from "../worker/outbound/payloads";

/** The settings that decide what may leave the account. */
const reportSettings = settingsSchema.pick({
  llmProvider: true,
  llmFallback: true,
  openaiBaseUrl: true,
  embeddingProvider: true,
  yellowPages: true,
  yellowPagesRegistryUrl: true,
  yellowPagesShareCoherence: true,
  telemetry: true,
  telemetryUrl: true,
});
export type ReportSettings = ReturnType<typeof reportSettings.parse>;

/** Reads the report's settings from raw stack config (`sos:` keys as Pulumi stores them); defaults otherwise. */
export function reportSettingsFrom(config: Record<string, unknown>): ReportSettings {
  const raw = Object.fromEntries(
    Object.keys(reportSettings.shape).map((key) => {
      const value = config[`sos:${key}`];
      return [
        key,
        value === undefined || value === "" ? undefined : Array.isArray(value) ? JSON.stringify(value) : String(value),
      ];
    }),
  );
  return reportSettings.parse(raw);
}

const vendorHosts = {
  openai: "api.openai.com",
  anthropic: "api.anthropic.com",
  gemini: "generativelanguage.googleapis.com",
  groq: "api.groq.com",
} as const satisfies Record<Exclude<ProviderName, "workers-ai">, string>;

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/** Every field of a payload schema, dotted, with its type: read from the schema itself. */
export function payloadFields(schema: z.ZodMiniType): string[] {
  const fields: string[] = [];
  const walk = (node: JsonSchema, prefix: string) => {
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, prefix ? `${prefix}.${key}` : key);
      return;
    }
    const types = node.anyOf ? node.anyOf.map((option) => option.type ?? "value") : [node.type ?? "value"];
    const label = types
      .flat()
      .map((type) => (type === "array" ? `list of ${node.items?.type ?? "value"}` : type))
      .join(" or ");
    fields.push(`\`${prefix}\` (${label})`);
  };
  walk(z.toJSONSchema(schema) as JsonSchema, "");
  return fields;
}

function providerLine(name: ProviderName, settings: ReportSettings): string {
  if (name === "workers-ai")
    return "- Workers AI: runs inside your own Cloudflare account (the `AI` binding); nothing leaves it.";
  const host = name === "openai" && settings.openaiBaseUrl ? new URL(settings.openaiBaseUrl).host : vendorHosts[name];
  return `- ${name} (${host}), with your ${name} key only.`;
}

/** What the deployed worker and the stack's dynamic resources may contact, when, and with which fields. */
export function privacyReport(settings: ReportSettings): string {
  const chat = [...new Set([settings.llmProvider, ...settings.llmFallback])];
  const lines = [
    "Everything this deployment may send out of your Cloudflare account, and when:",
    "",
    "1. **Cloudflare's API** (api.cloudflare.com), by `pulumi up`/`refresh`/`destroy` from your machine, with",
    "   your API token: the stack's resources, the worker bundle, the frontend build, the D1 migrations.",
    "2. **Model providers**, by the worker, on each chat message, in this order (the next one only when the",
    "   one before fails with a rate limit, a server error or a timeout). Each is sent the system prompt (the",
    "   agent's name, a summary of its state, the memories recalled for the message), the conversation's recent",
    "   turns and the message; after a conversation's first answer, the provider that gave it is sent that",
    "   exchange once more, for a title:",
    ...chat.map((name) => `   ${providerLine(name, settings)}`),
    `   Each stored memory's text, for its embedding and its enrichment (truths, concepts, vibe, importance): ${
      settings.embeddingProvider === "workers-ai"
        ? "Workers AI, inside your account."
        : settings.embeddingProvider === "hash"
          ? "nowhere (the built-in hashing embedding; no enrichment)."
          : `${providerLine(settings.embeddingProvider, settings).slice(2)}`
    }`,
  ];
  if (settings.yellowPages) {
    const registry = settings.yellowPagesRegistryUrl.replace(/\/+$/, "");
    lines.push(
      `3. **The Yellow Pages registry** (${registry}), because \`sos:yellowPages\` is true:`,
      `   - by \`pulumi up\` when the listing is created or changed: POST ${registry}/register with`,
      ...payloadFields(registrationPayload).map((field) => `     ${field}`),
      "     (coherence is registered as null; the registry's management token is kept as a secret output);",
      `   - by the worker, once a day: POST ${registry}/heartbeat with`,
      ...payloadFields(heartbeatPayload).map((field) => `     ${field}`),
      `     (coherence is ${settings.yellowPagesShareCoherence ? "the agent's live coherence" : "null: sharing is off"});`,
      `   - by \`pulumi up\`/\`destroy\` when the listing is removed: DELETE ${registry}/register/<agent_id>.`,
    );
  } else {
    lines.push("3. **The Yellow Pages registry**: never contacted (`sos:yellowPages` is false).");
  }
  if (settings.telemetry) {
    lines.push(
      `4. **Anonymous telemetry** (${settings.telemetryUrl}), because \`sos:telemetry\` is true: once a day, by the`,
      "   worker, with no identifier of any kind:",
      ...payloadFields(telemetryPayload).map((field) => `     ${field}`),
      "     (coherence rounded to 0.1).",
    );
  } else {
    lines.push("4. **Telemetry**: never sent (`sos:telemetry` is false).");
  }
  lines.push(
    "",
    "Nothing else: no analytics, no error reporting, no vendor endpoint. Every outbound payload above is a",
    "strict schema (`worker/outbound/payloads.ts`); a field not listed is an error before anything is sent.",
    "",
    "Where your data lives, all of it in your own account: conversations and every message (each version",
    "of an edited or regenerated one) in the D1 database, until you delete them (or for",
    "`sos:conversationRetentionDays` after their last message, when set); the recent turns of each",
    "conversation in the KV namespace, for `sos:sessionTtlSeconds` (the prompt's cache); memories and the",
    "agent's state in D1. Beyond 5,000 memories, the KV namespace also keeps a snapshot of their vectors'",
    "sign bits (derived from the embeddings, no text) that lets a new worker instance load them quickly;",
    "it is deleted when a memory is deleted or edited and expires 30 days after it was written. A temporary",
    "chat is deleted with its KV session and never remembered. `GET /api/export` gives all of it back",
    "(the snapshot is derived, not exported), `DELETE /api/data` erases all of it.",
  );
  return lines.join("\n");
}
