import type { Message, RawMessageStreamEvent, Usage } from "@anthropic-ai/sdk/resources/messages";
import {
  bearerToken,
  estimateTokens,
  isRecord,
  lastMessageText,
  sseFrame,
  startFakeVendorServer,
  type Completion,
  type EmbedCall,
  type FakeVendor,
  type FakeVendorOptions,
  type GenerateCall,
  type RecordedRequest,
  type Refusal,
  type VendorWire,
  type WireContext,
} from "./fake-vendor-server";

// Wire format checked against @anthropic-ai/sdk 1.13.0's own source. Since 1.0.0 the SDK sends
// `anthropic-version: 2026-10-21` and the key as `Authorization: Bearer <key>`, not `x-api-key` (which the
// API still accepts, e.g. from curl). baseURL is the bare origin and the path is /v1/messages. Stream.fromSSEResponse
// skips `ping` and events without a name and throws on `event: error`; MessageStream throws unless
// `message_start` comes first, and takes stop_reason and output usage from `message_delta`. Errors are
// `{type: "error", error: {type, message}, request_id}` with the same id in the `request-id` header.

/** The version the SDK sends; on it `temperature`, `top_p` and `top_k` are refused with a 400. */
export const anthropicApiVersion = "2026-10-21";
const removedSamplingParameters = ["temperature", "top_p", "top_k"] as const;

/** `error.type` for each status, as Anthropic documents them. */
const errorTypes: Record<number, { type: string; message: string }> = {
  400: { type: "invalid_request_error", message: "There was an issue with the format or content of your request." },
  401: { type: "authentication_error", message: "invalid x-api-key" },
  402: { type: "billing_error", message: "Your credit balance is too low to access the Claude API." },
  403: { type: "permission_error", message: "Your API key does not have permission to use the specified resource." },
  404: { type: "not_found_error", message: "Not found" },
  413: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." },
  429: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit." },
  500: { type: "api_error", message: "Internal server error" },
  504: { type: "timeout_error", message: "Request timed out" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id: string;
}

function errorBody({ status, message }: Refusal, context: WireContext): AnthropicErrorBody {
  const kind = errorTypes[status] ?? { type: status >= 500 ? "api_error" : "invalid_request_error", message: "Error" };
  return { type: "error", error: { type: kind.type, message: message ?? kind.message }, request_id: context.requestId };
}

function precheck(request: RecordedRequest): Refusal | null {
  const version = request.headers["anthropic-version"];
  if (!version) return { kind: "refuse", status: 400, message: "anthropic-version: header is required" };
  if (version === anthropicApiVersion && isRecord(request.body)) {
    const body = request.body;
    const removed = removedSamplingParameters.find((name) => body[name] !== undefined);
    if (removed) {
      return {
        kind: "refuse",
        status: 400,
        message: `${removed}: not supported on API version ${anthropicApiVersion}`,
      };
    }
  }
  return null;
}

function parse(request: RecordedRequest): GenerateCall | Refusal {
  if (`${request.method} ${request.path}` !== "POST /v1/messages") {
    return { kind: "refuse", status: 404, message: "Not found" };
  }
  const body = request.body;
  if (!isRecord(body) || typeof body.model !== "string")
    return { kind: "refuse", status: 400, message: "model: Field required" };
  if (typeof body.max_tokens !== "number")
    return { kind: "refuse", status: 400, message: "max_tokens: Field required" };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { kind: "refuse", status: 400, message: "messages: at least one message is required" };
  }
  return {
    kind: "generate",
    model: body.model,
    prompt: lastMessageText(body.messages, "user"),
    stream: body.stream === true,
  };
}

function usageOf(inputTokens: number, outputTokens: number): Usage {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: "standard",
    speed: null,
  };
}

function message(call: GenerateCall, context: WireContext, content: Message["content"], usage: Usage): Message {
  return {
    id: `msg_${context.requestId}`,
    type: "message",
    role: "assistant",
    model: call.model,
    content,
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  };
}

function completion(call: GenerateCall, result: Completion, context: WireContext): Message {
  const { inputTokens, outputTokens } = result.usage;
  const content: Message["content"] = [{ type: "text", text: result.text, citations: null }];
  return { ...message(call, context, content, usageOf(inputTokens, outputTokens)), stop_reason: "end_turn" };
}

function streamFrames(call: GenerateCall, chunks: string[], ending: Completion | null, context: WireContext): string[] {
  const event = (data: RawMessageStreamEvent) => sseFrame(data, data.type);
  const inputTokens = ending?.usage.inputTokens ?? estimateTokens(call.prompt);
  const frames = [
    event({ type: "message_start", message: message(call, context, [], usageOf(inputTokens, 1)) }),
    event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } }),
    sseFrame({ type: "ping" }, "ping"),
    ...chunks.map((text) => event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
  ];
  if (!ending) return frames;
  frames.push(
    event({ type: "content_block_stop", index: 0 }),
    event({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: ending.usage.inputTokens,
        output_tokens: ending.usage.outputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens_details: null,
        server_tool_use: null,
      },
    }),
    event({ type: "message_stop" }),
  );
  return frames;
}

export const anthropicWire: VendorWire<GenerateCall, EmbedCall> = {
  vendor: "anthropic",
  basePath: "",
  credential: (request) => request.headers["x-api-key"] || bearerToken(request.headers),
  keyRefusals: {
    missing: { kind: "refuse", status: 401, message: "x-api-key header is required" },
    invalid: { kind: "refuse", status: 401, message: "invalid x-api-key" },
  },
  responseHeaders: (requestId) => ({ "request-id": requestId }),
  precheck,
  parse,
  errorBody,
  completion,
  streamFrames,
  embeddings: () => {
    throw new Error("Anthropic has no embeddings endpoint");
  },
};

/** A fake Anthropic API; pass `baseURL` to `new Anthropic({ baseURL })`. */
export function startFakeAnthropic(options?: FakeVendorOptions): Promise<FakeVendor> {
  return startFakeVendorServer(anthropicWire, options);
}
