import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { CreateEmbeddingResponse } from "openai/resources/embeddings";
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
  type TokenUsage,
  type VendorWire,
  type WireContext,
} from "./fake-vendor-server";

// Wire format checked against openai 6.49.0's own source: baseURL ends in /v1 and paths are /chat/completions
// and /embeddings; the key goes as `Authorization: Bearer`; Stream.fromSSEResponse parses `data:` lines, stops
// at `data: [DONE]` and throws on a chunk with an `error` field; ChatCompletionStream needs `choices[].delta`,
// a role in the first delta and a finish_reason at the end; embeddings.create asks for base64 float32 unless
// the caller sets encoding_format, and decodes it itself.

export interface OpenAIGenerateCall extends GenerateCall {
  /** `stream_options.include_usage`: a final chunk with empty `choices` carries the usage. */
  includeUsage: boolean;
}

export interface OpenAIEmbedCall extends EmbedCall {
  base64: boolean;
}

/** Parses a chat completions body as OpenAI validates it; shared with Groq's OpenAI-style endpoint. */
export function parseChatCompletionBody(body: unknown): OpenAIGenerateCall | Refusal {
  if (!isRecord(body) || typeof body.model !== "string") {
    return { kind: "refuse", status: 400, message: "you must provide a model parameter" };
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { kind: "refuse", status: 400, message: "'messages' must contain at least 1 item." };
  }
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    kind: "generate",
    model: body.model,
    prompt: lastMessageText(body.messages, "user"),
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
  };
}

export function chatUsage(usage: TokenUsage): CompletionUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function parse(request: RecordedRequest): OpenAIGenerateCall | OpenAIEmbedCall | Refusal {
  const route = `${request.method} ${request.path}`;
  if (route === "POST /v1/chat/completions") return parseChatCompletionBody(request.body);
  if (route === "POST /v1/embeddings") return parseEmbeddings(request.body);
  return { kind: "refuse", status: 404, message: `Invalid URL (${request.method} ${request.path})` };
}

function parseEmbeddings(body: unknown): OpenAIEmbedCall | Refusal {
  if (!isRecord(body) || typeof body.model !== "string") {
    return { kind: "refuse", status: 400, message: "you must provide a model parameter" };
  }
  const input = body.input;
  const inputs =
    typeof input === "string"
      ? [input]
      : Array.isArray(input) && input.every((item) => typeof item === "number")
        ? [JSON.stringify(input)]
        : Array.isArray(input)
          ? input.map((item) => (typeof item === "string" ? item : JSON.stringify(item)))
          : [];
  if (inputs.length === 0 || inputs.some((text) => text === "")) {
    return { kind: "refuse", status: 400, message: "'$.input' is invalid. Please check the API reference." };
  }
  return {
    kind: "embed",
    model: body.model,
    inputs,
    dimensions: typeof body.dimensions === "number" ? body.dimensions : undefined,
    base64: body.encoding_format === "base64",
  };
}

/** `type` and `code` as OpenAI sends them for each status. */
const errorKinds: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: "invalid_request_error", code: null, message: "Invalid request." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory", message: "Forbidden." },
  404: { type: "invalid_request_error", code: null, message: "Not found." },
  429: {
    type: "requests",
    code: "rate_limit_exceeded",
    message: "Rate limit reached on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
  },
  500: {
    type: "server_error",
    code: null,
    message: "The server had an error while processing your request. Sorry about that!",
  },
  503: { type: "server_error", code: null, message: "The engine is currently overloaded, please try again later." },
};

function errorBody({ status, message }: Refusal) {
  const kind = errorKinds[status] ?? {
    type: status >= 500 ? "server_error" : "invalid_request_error",
    code: null,
    message: "Error.",
  };
  return { error: { message: message ?? kind.message, type: kind.type, param: null, code: kind.code } };
}

function completion(call: OpenAIGenerateCall, result: Completion, context: WireContext): ChatCompletion {
  return {
    id: `chatcmpl-${context.requestId}`,
    object: "chat.completion",
    created: context.created,
    model: call.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: result.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: chatUsage(result.usage),
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

function streamFrames(
  call: OpenAIGenerateCall,
  chunks: string[],
  ending: Completion | null,
  context: WireContext,
): string[] {
  const chunk = (choices: ChatCompletionChunk["choices"], extra: Partial<ChatCompletionChunk> = {}): string =>
    sseFrame({
      id: `chatcmpl-${context.requestId}`,
      object: "chat.completion.chunk",
      created: context.created,
      model: call.model,
      service_tier: "default",
      system_fingerprint: "fp_fake",
      choices,
      // With include_usage, every chunk but the last carries `usage: null`.
      ...(call.includeUsage ? { usage: null } : {}),
      ...extra,
    } satisfies ChatCompletionChunk);
  const delta = (content: ChatCompletionChunk.Choice.Delta, finish: "stop" | null = null) =>
    chunk([{ index: 0, delta: content, logprobs: null, finish_reason: finish }]);

  const frames = [
    delta({ role: "assistant", content: "", refusal: null }),
    ...chunks.map((text) => delta({ content: text })),
  ];
  if (!ending) return frames;
  frames.push(delta({}, "stop"));
  if (call.includeUsage) frames.push(chunk([], { usage: chatUsage(ending.usage) }));
  frames.push(sseFrame("[DONE]"));
  return frames;
}

type EmbeddingBody = Omit<CreateEmbeddingResponse, "data"> & {
  data: Array<Omit<CreateEmbeddingResponse["data"][number], "embedding"> & { embedding: number[] | string }>;
};

function embeddings(call: OpenAIEmbedCall, vectors: number[][]): EmbeddingBody {
  const promptTokens = call.inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
  return {
    object: "list",
    data: vectors.map((vector, index) => ({
      object: "embedding",
      index,
      // base64 of little-endian float32, what the SDK's toFloat32Array decodes.
      embedding: call.base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector,
    })),
    model: call.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export const openaiWire: VendorWire<OpenAIGenerateCall, OpenAIEmbedCall> = {
  vendor: "openai",
  basePath: "/v1",
  credential: (request) => bearerToken(request.headers),
  keyRefusals: {
    missing: {
      kind: "refuse",
      status: 401,
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    },
    invalid: {
      kind: "refuse",
      status: 401,
      message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    },
  },
  responseHeaders: (requestId) => ({ "x-request-id": requestId, "openai-version": "2020-10-01" }),
  parse,
  errorBody,
  completion,
  streamFrames,
  embeddings,
};

/** A fake OpenAI API; pass `baseURL` to `new OpenAI({ baseURL })` (it ends in `/v1`). */
export function startFakeOpenAI(options?: FakeVendorOptions): Promise<FakeVendor> {
  return startFakeVendorServer(openaiWire, options);
}
