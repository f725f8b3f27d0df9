import type { Env } from "../env";
import { defaultModel } from "./models";
import { embeddingModels } from "./provider-catalog";
import {
  ProviderError,
  streamEndedEarly,
  type GenerateRequest,
  type LlmProvider,
  type StreamEvent,
  type Usage,
} from "./provider";

export const workersAiDefaults = {
  model: defaultModel("workers-ai"),
  embeddingModel: embeddingModels["workers-ai"].model,
};

/** The slice of the AI binding used here; its typed overloads do not take a model chosen at run time. */
interface AiRunner {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

interface AiTextResult {
  response?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

function usageOf(usage: AiTextResult["usage"]): Usage {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}

/**
 * The binding reports failures as "<code>: <message>" (e.g. "3040: Capacity temporarily exceeded").
 * Codes from Cloudflare's Workers AI error list: 3040 and 3036 are limits, 3007 a timeout, 3003,
 * 3006, 3010 and 5xxx (no such model, invalid model) are the request's fault; the rest the service's.
 */
function failure(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = Number(/(\d{4})\s*:/.exec(message)?.[1]);
  const kind =
    code === 3040 || code === 3036 || /capacity|rate limit|too many/i.test(message)
      ? "rate_limit"
      : code === 3007 || /timed? ?out/i.test(message)
        ? "timeout"
        : code === 3003 || code === 3006 || code === 3010 || (code >= 5000 && code < 6000)
          ? "bad_request"
          : "server";
  return new ProviderError("workers-ai", kind, undefined, message.slice(0, 500));
}

function runner(env: Env): AiRunner {
  if (!env.AI) {
    throw new ProviderError(
      "workers-ai",
      "unavailable",
      undefined,
      "Workers AI runs only in a Cloudflare account; for a local run set OPENAI_API_KEY (or OPENAI_BASE_URL), " +
        "ANTHROPIC_API_KEY, GEMINI_API_KEY or GROQ_API_KEY",
    );
  }
  return env.AI as unknown as AiRunner;
}

/**
 * Server-sent events from the binding's stream: `data: {"response": "..."}` lines, then `data: [DONE]`.
 * The stream is whole only with `[DONE]`: one that ends without it throws.
 */
async function* sseData(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncIterable<AiTextResult> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = () => void reader.cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        throw signal?.aborted
          ? new ProviderError("workers-ai", "aborted", undefined, "the call was aborted")
          : streamEndedEarly("workers-ai");
      }
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") return;
        yield JSON.parse(data) as AiTextResult;
      }
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
}

function inputsOf(request: GenerateRequest, stream: boolean): Record<string, unknown> {
  return { messages: request.messages, max_tokens: request.maxTokens, stream };
}

/** Workers AI through the AI binding: runs in the customer's own account, no key. */
export function workersAiProvider(env: Env): LlmProvider {
  return {
    name: "workers-ai",
    defaultModel: workersAiDefaults.model,

    async generate(request) {
      try {
        const result = (await runner(env).run(request.model, inputsOf(request, false))) as AiTextResult;
        return { text: result.response ?? "", usage: usageOf(result.usage) };
      } catch (error) {
        throw failure(error);
      }
    },

    async *stream(request): AsyncIterable<StreamEvent> {
      let usage = usageOf(undefined);
      try {
        const stream = (await runner(env).run(request.model, inputsOf(request, true))) as ReadableStream<Uint8Array>;
        for await (const event of sseData(stream, request.signal)) {
          if (event.response) yield { type: "token", text: event.response };
          if (event.usage) usage = usageOf(event.usage);
        }
      } catch (error) {
        throw failure(error);
      }
      yield { type: "done", usage, finish: "stop" };
    },

    async embed(texts, model = workersAiDefaults.embeddingModel) {
      try {
        const result = (await runner(env).run(model, { text: texts })) as { data: number[][] };
        return { model, vectors: result.data };
      } catch (error) {
        throw failure(error);
      }
    },
  };
}
