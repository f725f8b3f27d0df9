import {
  kindOfStatus,
  ProviderError,
  scrubSecrets,
  type ChatMessage,
  type FailureKind,
  type GenerateRequest,
  type LlmProvider,
  type ProviderName,
  type StreamEvent,
  streamEndedEarly,
} from "./provider";

/** The part of a chat completion (OpenAI's wire format, which Groq speaks too) that is read here. */
interface Completion {
  choices: { message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

export interface CompletionChunk {
  choices: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

export interface CompletionBody {
  model: string;
  messages: ChatMessage[];
  max_tokens: number;
}

/** What each SDK contributes: its calls, and how it tells its failures apart. */
export interface OpenAiStyleClient {
  name: ProviderName;
  defaultModel: string;
  key: string | undefined;
  complete(body: CompletionBody, signal?: AbortSignal): Promise<Completion>;
  completeStream(body: CompletionBody, signal?: AbortSignal): Promise<AsyncIterable<CompletionChunk>>;
  /** The SDK's connection-level failure, if `error` is one (no HTTP status). */
  connectionFailure(error: unknown): "timeout" | "network" | "aborted" | undefined;
}

function usageOf(usage: Completion["usage"]): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}

function bodyOf(request: GenerateRequest): CompletionBody {
  return { model: request.model, messages: request.messages, max_tokens: request.maxTokens };
}

/** An SDK error as a ProviderError, scrubbed of anything key-shaped. */
export function toProviderError(client: OpenAiStyleClient, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = scrubSecrets(error instanceof Error ? error.message : String(error), [client.key]);
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") return new ProviderError(client.name, kindOfStatus(status), status, message);
  const kind: FailureKind = client.connectionFailure(error) ?? "network";
  return new ProviderError(client.name, kind, undefined, message);
}

/** A provider over an OpenAI-style chat completions API. */
export function openAiStyleProvider(client: OpenAiStyleClient): LlmProvider {
  return {
    name: client.name,
    defaultModel: client.defaultModel,

    async generate(request) {
      try {
        const completion = await client.complete(bodyOf(request), request.signal);
        return { text: completion.choices[0]?.message?.content ?? "", usage: usageOf(completion.usage) };
      } catch (error) {
        throw toProviderError(client, error);
      }
    },

    /**
     * The SDKs end their iteration quietly when the connection closes, `[DONE]` or not: the answer is
     * whole only once a chunk carried a `finish_reason` (the usage chunk may follow it).
     */
    async *stream(request): AsyncIterable<StreamEvent> {
      let usage = usageOf(undefined);
      let finish: string | undefined;
      try {
        const chunks = await client.completeStream(bodyOf(request), request.signal);
        for await (const chunk of chunks) {
          const choice = chunk.choices[0];
          const text = choice?.delta?.content;
          if (text) yield { type: "token", text };
          if (choice?.finish_reason) finish = choice.finish_reason;
          if (chunk.usage) usage = usageOf(chunk.usage);
        }
      } catch (error) {
        throw toProviderError(client, error);
      }
      if (finish === undefined) throw streamEndedEarly(client.name);
      yield { type: "done", usage, finish };
    },
  };
}
