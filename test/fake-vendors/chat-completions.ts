import type { TokenUsage } from "../support/fake-vendors/fake-vendor-server";
import {
  eventsOf,
  timeoutOption,
  type Answer,
  type StreamedAnswer,
  type StreamEvent,
  type VendorUnderTest,
} from "./contract";

// Readers for the OpenAI-style chat completions that both the openai SDK and groq-sdk return; they differ only
// in where a stream's usage goes.

interface ChatCompletionLike {
  model: string;
  choices: Array<{ message: { content: string | null }; finish_reason: string | null }>;
  usage?: unknown;
}

interface ChatChunkLike {
  choices: Array<{ delta: { content?: string | null }; finish_reason: string | null }>;
}

interface ChatRequest {
  model: string;
  messages: ReturnType<typeof chatMessages>;
}

interface ChatRequestOptions {
  timeout?: number;
  signal?: AbortSignal;
}

/** The contract's calls, made through an SDK's `chat.completions.create`. */
export function chatCompletionCalls<C extends ChatChunkLike>(sdk: {
  model: string;
  create(request: ChatRequest, options: ChatRequestOptions): Promise<ChatCompletionLike>;
  createStream(request: ChatRequest, options: ChatRequestOptions): Promise<AsyncIterable<C>>;
  /** Where a chunk carries the stream's usage. */
  usageOf(chunk: C): unknown;
}): Pick<VendorUnderTest, "complete" | "stream" | "open"> {
  const { model, usageOf } = sdk;
  return {
    complete: async (prompt, { system, timeoutMs } = {}) =>
      chatAnswer(await sdk.create({ model, messages: chatMessages(prompt, system) }, timeoutOption(timeoutMs))),
    stream: async (prompt) =>
      readChatStream(await sdk.createStream({ model, messages: chatMessages(prompt) }, {}), usageOf),
    open: async (prompt, signal) =>
      chatEvents(await sdk.createStream({ model, messages: chatMessages(prompt) }, { signal }), usageOf),
  };
}

/** `prompt` as the last user message, after `system` when given. */
export function chatMessages(prompt: string, system?: string) {
  const user = { role: "user" as const, content: prompt };
  return system === undefined ? [user] : [{ role: "system" as const, content: system }, user];
}

/** The body both SDKs send for `prompt` after `system`, as the fake records it. */
export function chatBody(model: string) {
  return (prompt: string, system: string) => ({
    model,
    messages: [
      { role: "system", content: system },
      { role: "user", content: prompt },
    ],
  });
}

/** The usage fields both SDKs show. */
export function chatUsage({ inputTokens, outputTokens }: TokenUsage) {
  return { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
}

function chatAnswer(completion: ChatCompletionLike): Answer {
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? "",
    finishReason: choice?.finish_reason,
    usage: completion.usage,
    model: completion.model,
  };
}

/** Reads a chat completion stream to its end; `usageOf` finds the usage on a chunk, if it has one. */
async function readChatStream<C extends ChatChunkLike>(
  chunks: AsyncIterable<C>,
  usageOf: (chunk: C) => unknown,
): Promise<StreamedAnswer> {
  const answer: StreamedAnswer = { deltas: [], text: "", finishReason: undefined, usage: undefined };
  for await (const chunk of chunks) {
    const event = chatEvent(chunk, usageOf);
    if (event.text) answer.deltas.push(event.text);
    answer.finishReason = chunk.choices[0]?.finish_reason ?? answer.finishReason;
    answer.usage = usageOf(chunk) ?? answer.usage;
  }
  return { ...answer, text: answer.deltas.join("") };
}

function chatEvents<C extends ChatChunkLike>(
  chunks: AsyncIterable<C>,
  usageOf: (chunk: C) => unknown,
): AsyncIterable<StreamEvent> {
  return eventsOf(chunks, (chunk) => chatEvent(chunk, usageOf));
}

function chatEvent<C extends ChatChunkLike>(chunk: C, usageOf: (chunk: C) => unknown): StreamEvent {
  const choice = chunk.choices[0];
  return {
    text: choice?.delta.content ?? undefined,
    ends: Boolean(choice?.finish_reason) || Boolean(usageOf(chunk)),
  };
}
