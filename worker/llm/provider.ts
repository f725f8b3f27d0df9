import type { ProviderName } from "./provider-catalog";

export type { ProviderName };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface GenerateRequest {
  model: string;
  /** The system prompt first (if any), then the conversation. */
  messages: ChatMessage[];
  maxTokens: number;
  /** Aborts the upstream call (the client went away). */
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface Generation {
  text: string;
  usage: Usage;
}

/**
 * Why a model stopped: it finished (`stop`), reached the token limit (`length`), or another reason
 * its vendor gave (a content filter, say), as the vendor named it.
 */
export type FinishReason = "stop" | "length" | (string & {});

/** `done` comes only after the vendor's own finish signal: a stream that ends without one is an error. */
export type StreamEvent = { type: "token"; text: string } | { type: "done"; usage: Usage; finish: FinishReason };

export interface Embeddings {
  model: string;
  vectors: number[][];
}

/** One vendor behind one interface; vendor SDK types never leave worker/llm/. */
export interface LlmProvider {
  readonly name: ProviderName;
  readonly defaultModel: string;
  generate(request: GenerateRequest): Promise<Generation>;
  stream(request: GenerateRequest): AsyncIterable<StreamEvent>;
  /** Present where the vendor offers embeddings. */
  embed?(texts: string[], model?: string): Promise<Embeddings>;
}

/**
 * Why a call failed, as far as choosing the next provider goes: rate limits, vendor faults, timeouts
 * and network errors move on to the next provider; auth and request errors do not.
 */
export type FailureKind =
  "rate_limit" | "server" | "timeout" | "network" | "auth" | "bad_request" | "aborted" | "unavailable";

const retryable: ReadonlySet<FailureKind> = new Set(["rate_limit", "server", "timeout", "network", "unavailable"]);

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly kind: FailureKind,
    /** The vendor's HTTP status, when there was one. */
    readonly status: number | undefined,
    cause: string,
  ) {
    super(`${provider}: ${cause}`);
    this.name = "ProviderError";
  }

  get retryable(): boolean {
    return retryable.has(this.kind);
  }
}

/**
 * A stream that ended cleanly but without the vendor's finish signal (no finish reason, no final
 * event, no `[DONE]`): the model server closed mid-answer, so what arrived is not the whole answer.
 * Retryable: when no token was sent yet, the next provider is tried.
 */
export function streamEndedEarly(provider: ProviderName): ProviderError {
  return new ProviderError(provider, "network", undefined, "the answer stream ended before the model finished it");
}

/** A vendor's HTTP status as a failure kind. */
export function kindOfStatus(status: number): FailureKind {
  if (status === 429) return "rate_limit";
  if (status === 408 || status >= 500) return status === 408 || status === 504 ? "timeout" : "server";
  if (status === 401 || status === 403) return "auth";
  return "bad_request";
}

/** Vendor messages sometimes echo part of a key: cut anything key-shaped, and the key itself. */
export function scrubSecrets(message: string, secrets: (string | undefined)[]): string {
  let text = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) text = text.split(secret).join("[key]");
  }
  return text
    .replace(/\b(sk-(ant-)?|gsk_|AIza)[A-Za-z0-9_*.-]{6,}/g, "[key]")
    .replace(/Bearer\s+\S+/gi, "Bearer [key]")
    .slice(0, 500);
}
