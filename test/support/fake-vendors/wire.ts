import type { TokenUsage, VendorName } from "./behaviour";

// The contract between the shared server and each vendor's wire format, and the small readers and writers
// the vendors share.

/** One request as the fake vendor received it. */
export interface RecordedRequest {
  /** Arrival order across every fake server that shares a sequence. */
  seq: number;
  vendor: VendorName;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  /** The credential read from the vendor's own auth header, or null. */
  apiKey: string | null;
  /**
   * `open` while the exchange runs; `completed` once the reply was fully sent; `client-closed` when the
   * client dropped the connection first (an aborted or timed-out upstream call); `server-closed` when
   * `close()` ended it.
   */
  outcome: Outcome;
}

export type Outcome = "open" | "completed" | "client-closed" | "server-closed";

/** A generation call as the fake understood it; `prompt` is the last user message's text. */
export interface GenerateCall {
  kind: "generate";
  model: string;
  prompt: string;
  stream: boolean;
}

/** An embeddings call: one input text per vector wanted. */
export interface EmbedCall {
  kind: "embed";
  model: string;
  inputs: string[];
  /** Vector length the caller asked for, if it did. */
  dimensions: number | undefined;
}

/** A request the fake answers with the vendor's error instead of a reply. */
export interface Refusal {
  kind: "refuse";
  status: number;
  /** Undefined: the vendor's usual wording for `status`. */
  message?: string | undefined;
  retryAfterSeconds?: number | undefined;
  /** Vendor-specific structured detail (Gemini's `error.details`). */
  details?: unknown[] | undefined;
}

export interface Completion {
  text: string;
  usage: TokenUsage;
}

/** Per-exchange values a wire writes into its bodies. */
export interface WireContext {
  requestId: string;
  /** Unix seconds. */
  created: number;
}

/** Everything one vendor's wire format needs; the server around it is shared. */
export interface VendorWire<G extends GenerateCall = GenerateCall, E extends EmbedCall = EmbedCall> {
  vendor: VendorName;
  /** Appended to the origin to give the base URL the vendor's SDK takes. */
  basePath: string;
  /** The key as the vendor reads it from its own header, or null when absent. */
  credential(request: RecordedRequest): string | null;
  /** How the vendor refuses a request without a key, and one with a key it does not know. */
  keyRefusals: { missing: Refusal; invalid: Refusal };
  /** Headers sent on every reply (request ids). */
  responseHeaders(requestId: string): Record<string, string>;
  /** Checks the vendor makes before routing, beyond the key (required headers, removed parameters). */
  precheck?(request: RecordedRequest): Refusal | null;
  /** Routes and validates a request; a refusal for unknown paths and bad bodies. */
  parse(request: RecordedRequest): G | E | Refusal;
  errorBody(refusal: Refusal, context: WireContext): unknown;
  completion(call: G, completion: Completion, context: WireContext): unknown;
  /**
   * Ready-to-write SSE frames for `chunks`; with `ending` null the stream stops where a stalled upstream
   * would (after the chunks, before any finish or usage frame).
   */
  streamFrames(call: G, chunks: string[], ending: Completion | null, context: WireContext): string[];
  embeddings(call: E, vectors: number[][], context: WireContext): unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of a message's content: a string, or an array of parts with a `text` field (OpenAI, Anthropic, Gemini). */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
}

/** The text of the last entry of `messages` whose `role` is `role`; "" when there is none. */
export function lastMessageText(messages: unknown, role: string, contentKey = "content"): string {
  if (!Array.isArray(messages)) return "";
  const last = messages.filter((message) => isRecord(message) && message.role === role).at(-1);
  return isRecord(last) ? textOf(last[contentKey]) : "";
}

/** One server-sent event as written on the wire. */
export function sseFrame(data: unknown, event?: string, lineEnd = "\n"): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return (event === undefined ? "" : `event: ${event}${lineEnd}`) + `data: ${payload}${lineEnd}${lineEnd}`;
}

/** The bearer token of an `authorization` header, or null. */
export function bearerToken(headers: Record<string, string>): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(headers["authorization"] ?? "");
  return match ? match[1]!.trim() : null;
}
