import {
  FinishReason,
  type BatchEmbedContentsResponse,
  type EmbedContentResponse,
  type GenerateContentResponse,
  type UsageMetadata,
} from "@google/generative-ai";
import {
  isRecord,
  sseFrame,
  startFakeVendorServer,
  textOf,
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

// Wire format checked against @google/generative-ai 0.24.1's own source (dist/index.js): the URL is
// `${baseUrl}/${apiVersion ?? "v1beta"}/models/<model>:<task>`, with `?alt=sse` for streamGenerateContent;
// the key goes in the `x-goog-api-key` header (the REST API also takes `?key=`), next to
// `x-goog-api-client: genai-js/0.24.1`. The stream reader matches /^data\: (.*)(?:\n\n|\r\r|\r\n\r\n)/ on
// its buffer, so every event must be one `data:` line holding a whole GenerateContentResponse, with no
// `event:` or comment lines; Google ends them with CRLF pairs. Errors are read as `error.message` (+ `details`).

export interface GeminiEmbedCall extends EmbedCall {
  batch: boolean;
}

const routePattern = /^\/(v1beta|v1|v1alpha)\/(?:models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

/** google.rpc status names for the HTTP statuses the API returns. */
const errorKinds: Record<number, { status: string; message: string }> = {
  400: { status: "INVALID_ARGUMENT", message: "Request contains an invalid argument." },
  401: { status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials." },
  403: { status: "PERMISSION_DENIED", message: "The caller does not have permission" },
  404: { status: "NOT_FOUND", message: "Requested entity was not found." },
  429: { status: "RESOURCE_EXHAUSTED", message: "Resource has been exhausted (e.g. check quota)." },
  500: {
    status: "INTERNAL",
    message:
      "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  },
  503: { status: "UNAVAILABLE", message: "The model is overloaded. Please try again later." },
  504: { status: "DEADLINE_EXCEEDED", message: "Deadline expired before operation could complete." },
};

function errorBody({ status, message, details }: Refusal) {
  const kind = errorKinds[status] ?? { status: status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION", message: "Error" };
  return {
    error: { code: status, message: message ?? kind.message, status: kind.status, ...(details ? { details } : {}) },
  };
}

const apiKeyInvalid: Refusal = {
  kind: "refuse",
  status: 400,
  message: "API key not valid. Please pass a valid API key.",
  details: [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    },
  ],
};

function parse(request: RecordedRequest): GenerateCall | GeminiEmbedCall | Refusal {
  const route = routePattern.exec(request.path);
  if (request.method !== "POST" || !route) return notFound(request.path);
  const [, version = "", model = "", task = ""] = route;
  const body = isRecord(request.body) ? request.body : {};
  switch (task) {
    case "generateContent":
    case "streamGenerateContent": {
      if (!Array.isArray(body.contents) || body.contents.length === 0) {
        return { kind: "refuse", status: 400, message: "* GenerateContentRequest.contents: contents is not specified" };
      }
      const stream = task === "streamGenerateContent";
      if (stream && request.query.alt !== "sse") {
        return {
          kind: "refuse",
          status: 400,
          message: "fake-gemini only streams with alt=sse (what the SDK asks for)",
        };
      }
      return { kind: "generate", model, prompt: lastUserText(body.contents), stream };
    }
    case "embedContent":
      return embedCall(model, [body], false);
    case "batchEmbedContents": {
      const requests = Array.isArray(body.requests) ? body.requests.filter(isRecord) : [];
      const stranger = requests.find((item) => item.model !== undefined && item.model !== `models/${model}`);
      if (stranger) {
        return {
          kind: "refuse",
          status: 400,
          message: `Model ${String(stranger.model)} in the request does not match the model models/${model} in the URL.`,
        };
      }
      return embedCall(model, requests, true);
    }
    default:
      return {
        kind: "refuse",
        status: 404,
        message: `Method ${task} is not served by the fake for ${version} models/${model}.`,
      };
  }
}

function notFound(path: string): Refusal {
  return { kind: "refuse", status: 404, message: `The requested URL ${path} was not found on this server.` };
}

/** Gemini's REST API lets the role be omitted; the SDK always sets "user". */
function lastUserText(contents: unknown[]): string {
  const last = contents.filter((item) => isRecord(item) && (item.role === undefined || item.role === "user")).at(-1);
  return isRecord(last) ? textOf(last.parts) : "";
}

function embedCall(model: string, requests: Record<string, unknown>[], batch: boolean): GeminiEmbedCall | Refusal {
  const inputs = requests.map((item) => (isRecord(item.content) ? textOf(item.content.parts) : ""));
  if (inputs.length === 0 || inputs.some((text) => text === "")) {
    return { kind: "refuse", status: 400, message: "* EmbedContentRequest.content: contents is not specified" };
  }
  const dimensions = requests[0]?.outputDimensionality;
  return { kind: "embed", model, inputs, dimensions: typeof dimensions === "number" ? dimensions : undefined, batch };
}

/** The REST response carries fields the SDK's types leave out. */
type GeminiResponse = GenerateContentResponse & {
  usageMetadata?: UsageMetadata & { promptTokensDetails?: Array<{ modality: string; tokenCount: number }> };
  modelVersion: string;
  responseId: string;
};

function usageMetadata(usage: TokenUsage): NonNullable<GeminiResponse["usageMetadata"]> {
  return {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: usage.inputTokens }],
  };
}

function response(call: GenerateCall, context: WireContext, text: string, usage: TokenUsage | null): GeminiResponse {
  return {
    candidates: [
      {
        content: { parts: [{ text }], role: "model" },
        index: 0,
        ...(usage ? { finishReason: FinishReason.STOP } : {}),
      },
    ],
    ...(usage ? { usageMetadata: usageMetadata(usage) } : {}),
    modelVersion: call.model,
    responseId: context.requestId,
  };
}

function completion(call: GenerateCall, result: Completion, context: WireContext): GeminiResponse {
  return response(call, context, result.text, result.usage);
}

/** The last text chunk carries finishReason and usageMetadata, as Gemini's final chunk does. */
function streamFrames(call: GenerateCall, chunks: string[], ending: Completion | null, context: WireContext): string[] {
  const texts = ending && chunks.length === 0 ? [""] : chunks;
  return texts.map((text, index) => {
    const last = ending !== null && index === texts.length - 1;
    return sseFrame(response(call, context, text, last ? ending.usage : null), undefined, "\r\n");
  });
}

function embeddings(call: GeminiEmbedCall, vectors: number[][]): EmbedContentResponse | BatchEmbedContentsResponse {
  if (call.batch) return { embeddings: vectors.map((values) => ({ values })) };
  return { embedding: { values: vectors[0]! } };
}

export const geminiWire: VendorWire<GenerateCall, GeminiEmbedCall> = {
  vendor: "gemini",
  basePath: "",
  credential: (request) => request.headers["x-goog-api-key"] || request.query.key || null,
  keyRefusals: {
    missing: {
      kind: "refuse",
      status: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    },
    invalid: apiKeyInvalid,
  },
  responseHeaders: () => ({}),
  parse,
  errorBody,
  completion,
  streamFrames,
  embeddings,
};

/** A fake Gemini API; pass `baseURL` as `requestOptions.baseUrl` to `getGenerativeModel`. */
export function startFakeGemini(options?: FakeVendorOptions): Promise<FakeVendor> {
  return startFakeVendorServer(geminiWire, options);
}
