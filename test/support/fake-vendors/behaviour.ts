export type VendorName = "openai" | "anthropic" | "gemini" | "groq" | "workers-ai";

/** Token counts in vendor-neutral terms; each fake maps them to its own usage fields. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What one call to a fake vendor does. Build them with the functions below. */
export type Behaviour =
  | { kind: "reply"; text: string; chunks: string[]; usage?: TokenUsage }
  | { kind: "fail"; status: number; message?: string; retryAfterSeconds?: number }
  | { kind: "hang" }
  | { kind: "stall"; chunks: string[] }
  | { kind: "cut"; chunks: string[] }
  | { kind: "drop"; chunks: string[] }
  | { kind: "embed"; vectors: number[][] };

/**
 * Replies with `text`, or with `chunks` joined; a streamed call gets one delta per chunk
 * (a plain string is split after each run of whitespace). Without `usage`, token counts are estimated.
 */
export function reply(textOrChunks: string | string[], options: { usage?: TokenUsage } = {}): Behaviour {
  const chunks = typeof textOrChunks === "string" ? splitIntoChunks(textOrChunks) : textOrChunks;
  const text = typeof textOrChunks === "string" ? textOrChunks : textOrChunks.join("");
  return { kind: "reply", text, chunks, ...options };
}

/** Fails with `status` and the vendor's own error body (`message` defaults to the vendor's usual wording). */
export function fail(status: number, message?: string, options: { retryAfterSeconds?: number } = {}): Behaviour {
  return { kind: "fail", status, ...(message === undefined ? {} : { message }), ...options };
}

/** Never answers; the exchange ends when the client gives up (timeout or abort). */
export function hang(): Behaviour {
  return { kind: "hang" };
}

/** Streams `chunks` as a streamed reply would begin, then sends nothing more until the client disconnects. */
export function stall(chunks: string[]): Behaviour {
  return { kind: "stall", chunks };
}

/**
 * Streams `chunks` as a streamed reply would begin, then ends the response cleanly: no finish reason,
 * no final event, no `[DONE]` (a model server that closed its side mid-answer).
 */
export function cut(chunks: string[]): Behaviour {
  return { kind: "cut", chunks };
}

/** Streams `chunks`, then resets the connection (a network failure mid-answer). */
export function drop(chunks: string[]): Behaviour {
  return { kind: "drop", chunks };
}

/**
 * Answers an embeddings call with these vectors, one per input, in order. The OpenAI SDK asks for
 * base64 float32 by default, so pick values float32 holds exactly (0.5, -0.25, ...) to compare with `toEqual`.
 */
export function embed(vectors: number[][]): Behaviour {
  return { kind: "embed", vectors };
}

/** The reply an unscripted call gets. */
export function defaultReply(vendor: VendorName, prompt: string): string {
  return `fake-${vendor} reply to: ${prompt}`;
}

export const defaultEmbeddingDimensions = 8;

/**
 * The vector an unscripted embeddings call gets for `text`: deterministic, unit length, float32-exact,
 * so equal texts embed equally and different texts differ.
 */
export function defaultEmbedding(text: string, dimensions = defaultEmbeddingDimensions): number[] {
  let state = 2166136261;
  for (const char of text) state = Math.imul(state ^ char.codePointAt(0)!, 16777619) >>> 0;
  const raw: number[] = [];
  for (let index = 0; index < dimensions; index++) {
    state = Math.imul(state ^ (state >>> 15), 2246822507) >>> 0;
    state = Math.imul(state ^ (state >>> 13), 3266489909) >>> 0;
    raw.push((state / 0xffffffff) * 2 - 1);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

/** A deterministic stand-in for a tokenizer: about four characters a token, at least one. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Splits after each run of whitespace, so joining the chunks gives the text back. */
export function splitIntoChunks(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [text];
}
