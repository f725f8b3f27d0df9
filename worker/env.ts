import type { Ai, D1Database, KVNamespace } from "@cloudflare/workers-types/index";

/**
 * Everything the worker is bound to. The stack's binding list is checked against this interface at
 * compile time (stack/worker-bindings.ts), so a binding cannot be added on one side only.
 * Plain settings arrive as strings; optional ones are absent when not configured.
 */
export interface Env {
  /** Long-term memory: engrams and agent state. */
  DB: D1Database;
  /** Short-term sessions, written with an expiration TTL. */
  SESSION: KVNamespace;
  /** Workers AI, the default model and embedding provider (absent in a local run). */
  AI?: Ai;
  /** Bearer key of the private API; without it the private routes refuse to serve. */
  AGENT_KEY?: string;
  AGENT_ID: string;
  AGENT_NAME: string;
  LLM_PROVIDER: string;
  LLM_MODEL?: string;
  /** Comma-separated providers tried after LLM_PROVIDER. */
  LLM_FALLBACK?: string;
  /** Seconds one model call may take before the next provider is tried (default 60). */
  LLM_TIMEOUT_SECONDS?: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  ANTHROPIC_API_KEY?: string;
  GEMINI_API_KEY?: string;
  GROQ_API_KEY?: string;
  EMBEDDING_PROVIDER: string;
  /** Comma-separated browser origins allowed by CORS. */
  ALLOWED_ORIGINS?: string;
  SESSION_TTL_SECONDS?: string;
  /** "true" when anonymous telemetry is opted in. */
  TELEMETRY: string;
  /** Where the daily telemetry goes (only when TELEMETRY is "true"). */
  TELEMETRY_URL?: string;
  /** "true" when the Yellow Pages listing is opted in. */
  YELLOW_PAGES: string;
  /** The registry of the listing, and its management token (secret), for the daily heartbeat. */
  REGISTRY_URL?: string;
  REGISTRY_TOKEN?: string;
  /** "true" when the heartbeat publishes the agent's coherence (else it sends null). */
  SHARE_COHERENCE?: string;
  /** Messages one caller may leave in the public inbox per 10 minutes (default 5). */
  CONTACT_CALLER_LIMIT?: string;
  /** Messages the public inbox takes per hour from everyone together (default 100). */
  CONTACT_HOURLY_CAP?: string;
  /** Days an inbox message is kept before the daily upkeep deletes it (default 30). */
  CONTACT_RETENTION_DAYS?: string;
  /**
   * Days a conversation is kept after its last message before the daily upkeep deletes it; absent
   * (the default): kept until the user deletes it.
   */
  CONVERSATION_RETENTION_DAYS?: string;
  /** "model" (the default): a conversation is titled by the model after its first answer; "message": by its first line. */
  CONVERSATION_TITLES?: string;
}
