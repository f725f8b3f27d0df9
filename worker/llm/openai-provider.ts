import OpenAI from "openai";
import type { Env } from "../env";
import { openAiStyleProvider, toProviderError, type OpenAiStyleClient } from "./openai-style";
import type { Embeddings, LlmProvider } from "./provider";
import { defaultModel } from "./models";
import { embeddingModels } from "./provider-catalog";
import { requestTimeoutMs } from "./timeouts";

export const openaiDefaults = { model: defaultModel("openai"), embeddingModel: embeddingModels.openai.model };

/** OpenAI, or any OpenAI-compatible server at OPENAI_BASE_URL (a local Ollama, say). */
export function openaiProvider(env: Env): LlmProvider {
  const sdk = new OpenAI({
    // An OpenAI-compatible server may need no key; the SDK insists on one.
    apiKey: env.OPENAI_API_KEY ?? "no-key",
    baseURL: env.OPENAI_BASE_URL || undefined,
    maxRetries: 0,
    timeout: requestTimeoutMs(env),
  });
  const client: OpenAiStyleClient = {
    name: "openai",
    defaultModel: openaiDefaults.model,
    key: env.OPENAI_API_KEY,
    complete: (body, signal) => sdk.chat.completions.create({ ...body, stream: false }, { signal }),
    completeStream: (body, signal) =>
      sdk.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal }),
    connectionFailure: (error) =>
      error instanceof OpenAI.APIUserAbortError
        ? "aborted"
        : error instanceof OpenAI.APIConnectionTimeoutError
          ? "timeout"
          : error instanceof OpenAI.APIConnectionError
            ? "network"
            : undefined,
  };
  return {
    ...openAiStyleProvider(client),
    async embed(texts, model = openaiDefaults.embeddingModel): Promise<Embeddings> {
      try {
        const response = await sdk.embeddings.create({ model, input: texts });
        return { model, vectors: response.data.map((item) => item.embedding) };
      } catch (error) {
        throw toProviderError(client, error);
      }
    },
  };
}
