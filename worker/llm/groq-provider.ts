import Groq from "groq-sdk";
import type { Env } from "../env";
import { openAiStyleProvider, type CompletionChunk } from "./openai-style";
import type { LlmProvider } from "./provider";
import { defaultModel } from "./models";
import { requestTimeoutMs } from "./timeouts";

export const groqDefaults = { model: defaultModel("groq") };

/** Groq, through its own SDK (an OpenAI-style API; no embeddings). */
export function groqProvider(env: Env): LlmProvider {
  const sdk = new Groq({ apiKey: env.GROQ_API_KEY ?? "", maxRetries: 0, timeout: requestTimeoutMs(env) });
  return openAiStyleProvider({
    name: "groq",
    defaultModel: groqDefaults.model,
    key: env.GROQ_API_KEY,
    complete: (body, signal) => sdk.chat.completions.create({ ...body, stream: false }, { signal }),
    completeStream: async (body, signal) =>
      withGroqUsage(await sdk.chat.completions.create({ ...body, stream: true }, { signal })),
    connectionFailure: (error) =>
      error instanceof Groq.APIUserAbortError
        ? "aborted"
        : error instanceof Groq.APIConnectionTimeoutError
          ? "timeout"
          : error instanceof Groq.APIConnectionError
            ? "network"
            : undefined,
  });
}

/** Groq reports a stream's usage in the last chunk's `x_groq.usage`, not in `usage`. */
async function* withGroqUsage(chunks: AsyncIterable<Groq.Chat.ChatCompletionChunk>): AsyncIterable<CompletionChunk> {
  for await (const chunk of chunks) {
    yield { choices: chunk.choices, usage: chunk.x_groq?.usage ?? null };
  }
}
