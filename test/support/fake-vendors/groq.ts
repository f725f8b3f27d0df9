import type { ChatCompletion, ChatCompletionChunk } from "groq-sdk/resources/chat/completions";
import type { CompletionUsage } from "groq-sdk/resources/completions";
import {
  bearerToken,
  sseFrame,
  startFakeVendorServer,
  type Completion,
  type EmbedCall,
  type FakeVendor,
  type FakeVendorOptions,
  type RecordedRequest,
  type Refusal,
  type TokenUsage,
  type VendorWire,
  type WireContext,
} from "./fake-vendor-server";
import { parseChatCompletionBody, type OpenAIGenerateCall } from "./openai";

// Wire format checked against groq-sdk 1.6.0's own source: baseURL is the bare origin (default
// https://api.groq.com) and the SDK puts /openai/v1 in every path (/openai/v1/chat/completions); the key goes
// as `Authorization: Bearer`. Its SSE reader is OpenAI's (stops at `data: [DONE]`, throws on an `error` field).
// Groq's additions: `x_groq.id` (the request id) on the first and last chunk, and the streamed usage in
// `x_groq.usage` on the last chunk (its chunk type has no top-level `usage`); usage has Groq's timings.

function groqUsage(usage: TokenUsage): CompletionUsage {
  return {
    queue_time: 0.01,
    prompt_tokens: usage.inputTokens,
    prompt_time: 0.001,
    completion_tokens: usage.outputTokens,
    completion_time: 0.02,
    total_tokens: usage.inputTokens + usage.outputTokens,
    total_time: 0.021,
  };
}

function parse(request: RecordedRequest): OpenAIGenerateCall | Refusal {
  if (`${request.method} ${request.path}` === "POST /openai/v1/chat/completions")
    return parseChatCompletionBody(request.body);
  return {
    kind: "refuse",
    status: 404,
    message: `Unknown request URL: ${request.method} ${request.path}. Please check the URL for typos, or see the docs at https://console.groq.com/docs/`,
  };
}

const errorKinds: Record<number, { type: string; code?: string; message: string }> = {
  400: { type: "invalid_request_error", message: "Invalid request." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Invalid API Key" },
  404: { type: "invalid_request_error", code: "unknown_url", message: "Not found." },
  413: { type: "invalid_request_error", code: "request_too_large", message: "Request Entity Too Large" },
  429: {
    type: "tokens",
    code: "rate_limit_exceeded",
    message:
      "Rate limit reached on tokens per minute (TPM): Limit 6000, Used 6000, Requested 100. Please try again in 1s.",
  },
  500: { type: "internal_server_error", message: "Internal Server Error" },
  503: { type: "internal_server_error", code: "service_unavailable", message: "Service Unavailable" },
};

function errorBody({ status, message }: Refusal) {
  const kind = errorKinds[status] ?? {
    type: status >= 500 ? "internal_server_error" : "invalid_request_error",
    message: "Error",
  };
  return { error: { message: message ?? kind.message, type: kind.type, ...(kind.code ? { code: kind.code } : {}) } };
}

function completion(call: OpenAIGenerateCall, result: Completion, context: WireContext): ChatCompletion {
  return {
    id: `chatcmpl-${context.requestId}`,
    object: "chat.completion",
    created: context.created,
    model: call.model,
    choices: [
      { index: 0, message: { role: "assistant", content: result.text }, logprobs: null, finish_reason: "stop" },
    ],
    usage: groqUsage(result.usage),
    usage_breakdown: { models: [] },
    system_fingerprint: "fp_fake",
    x_groq: { id: context.requestId },
    service_tier: "on_demand",
  };
}

function streamFrames(
  call: OpenAIGenerateCall,
  chunks: string[],
  ending: Completion | null,
  context: WireContext,
): string[] {
  const chunk = (delta: ChatCompletionChunk.Choice.Delta, finish: "stop" | null, xGroq?: ChatCompletionChunk.XGroq) =>
    sseFrame({
      id: `chatcmpl-${context.requestId}`,
      object: "chat.completion.chunk",
      created: context.created,
      model: call.model,
      system_fingerprint: "fp_fake",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(xGroq ? { x_groq: xGroq } : {}),
    } satisfies ChatCompletionChunk);

  const frames = [
    chunk({ role: "assistant", content: "" }, null, { id: context.requestId }),
    ...chunks.map((text) => chunk({ content: text }, null)),
  ];
  if (!ending) return frames;
  frames.push(chunk({}, "stop", { id: context.requestId, usage: groqUsage(ending.usage) }), sseFrame("[DONE]"));
  return frames;
}

export const groqWire: VendorWire<OpenAIGenerateCall, EmbedCall> = {
  vendor: "groq",
  basePath: "",
  credential: (request) => bearerToken(request.headers),
  keyRefusals: {
    missing: { kind: "refuse", status: 401, message: "Invalid API Key" },
    invalid: { kind: "refuse", status: 401, message: "Invalid API Key" },
  },
  responseHeaders: (requestId) => ({ "x-request-id": requestId }),
  parse,
  errorBody,
  completion,
  streamFrames,
  embeddings: () => {
    throw new Error("the fake Groq serves chat completions only");
  },
};

/** A fake Groq API; pass `baseURL` to `new Groq({ baseURL })` (the bare origin: the SDK adds /openai/v1). */
export function startFakeGroq(options?: FakeVendorOptions): Promise<FakeVendor> {
  return startFakeVendorServer(groqWire, options);
}
