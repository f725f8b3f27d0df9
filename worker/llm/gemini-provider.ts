import {
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  type Content,
  type UsageMetadata,
} from "@google/generative-ai";
import type { Env } from "../env";
import {
  kindOfStatus,
  ProviderError,
  scrubSecrets,
  type GenerateRequest,
  type LlmProvider,
  type StreamEvent,
  type Usage,
  streamEndedEarly,
} from "./provider";
import { defaultModel } from "./models";
import { embeddingModels } from "./provider-catalog";
import { requestTimeoutMs } from "./timeouts";

export const geminiDefaults = { model: defaultModel("gemini"), embeddingModel: embeddingModels.gemini.model };

function toProviderError(error: unknown, key: string | undefined, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = scrubSecrets(error instanceof Error ? error.message : String(error), [key]);
  // The SDK reports its own timeout and a caller's abort alike (and an abort mid-stream as a plain
  // error); the caller's signal tells them apart.
  if (signal?.aborted) return new ProviderError("gemini", "aborted", undefined, message);
  if (error instanceof GoogleGenerativeAIAbortError) return new ProviderError("gemini", "timeout", undefined, message);
  if (error instanceof GoogleGenerativeAIFetchError && error.status !== undefined) {
    return new ProviderError("gemini", kindOfStatus(error.status), error.status, message);
  }
  return new ProviderError(
    "gemini",
    error instanceof GoogleGenerativeAIFetchError ? "network" : "bad_request",
    undefined,
    message,
  );
}

/** Gemini takes the system prompt as `systemInstruction` and calls the assistant "model". */
function contentsOf(request: GenerateRequest): { systemInstruction?: string; contents: Content[] } {
  const system = request.messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n\n");
  const contents = request.messages
    .filter((m) => m.role !== "system")
    .map((m) => ({ role: m.role === "assistant" ? "model" : "user", parts: [{ text: m.content }] }));
  return { contents, ...(system ? { systemInstruction: system } : {}) };
}

function usageOf(metadata: UsageMetadata | undefined): Usage {
  return { inputTokens: metadata?.promptTokenCount ?? 0, outputTokens: metadata?.candidatesTokenCount ?? 0 };
}

export function geminiProvider(env: Env): LlmProvider {
  const key = env.GEMINI_API_KEY;
  const sdk = new GoogleGenerativeAI(key ?? "");
  const modelFor = (request: GenerateRequest) => {
    const { systemInstruction } = contentsOf(request);
    return sdk.getGenerativeModel(
      {
        model: request.model,
        generationConfig: { maxOutputTokens: request.maxTokens },
        ...(systemInstruction ? { systemInstruction } : {}),
      },
      { timeout: requestTimeoutMs(env) },
    );
  };

  return {
    name: "gemini",
    defaultModel: geminiDefaults.model,

    async generate(request) {
      try {
        const result = await modelFor(request).generateContent(
          { contents: contentsOf(request).contents },
          { signal: request.signal },
        );
        return { text: result.response.text(), usage: usageOf(result.response.usageMetadata) };
      } catch (error) {
        throw toProviderError(error, key, request.signal);
      }
    },

    /** Whole only once a chunk's candidate carried a `finishReason` (Gemini's last chunk does). */
    async *stream(request): AsyncIterable<StreamEvent> {
      let usage = usageOf(undefined);
      let finish: string | undefined;
      try {
        const result = await modelFor(request).generateContentStream(
          { contents: contentsOf(request).contents },
          { signal: request.signal },
        );
        // The SDK also settles `response`; after an abort it rejects, and nobody else awaits it.
        result.response.catch(() => undefined);
        for await (const chunk of result.stream) {
          const text = chunk.text();
          if (text) yield { type: "token", text };
          if (chunk.usageMetadata) usage = usageOf(chunk.usageMetadata);
          const reason = chunk.candidates?.[0]?.finishReason;
          if (reason) finish = reason === "STOP" ? "stop" : reason === "MAX_TOKENS" ? "length" : reason.toLowerCase();
        }
      } catch (error) {
        throw toProviderError(error, key, request.signal);
      }
      if (finish === undefined) throw streamEndedEarly("gemini");
      yield { type: "done", usage, finish };
    },

    async embed(texts, model = geminiDefaults.embeddingModel) {
      try {
        const response = await sdk.getGenerativeModel({ model }, { timeout: requestTimeoutMs(env) }).batchEmbedContents({
          requests: texts.map((text) => ({ content: { role: "user", parts: [{ text }] } })),
        });
        return { model, vectors: response.embeddings.map((embedding) => embedding.values) };
      } catch (error) {
        throw toProviderError(error, key);
      }
    },
  };
}
