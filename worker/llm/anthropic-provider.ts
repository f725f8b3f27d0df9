import Anthropic from "@anthropic-ai/sdk";
import type { Env } from "../env";
import {
  kindOfStatus,
  ProviderError,
  scrubSecrets,
  type GenerateRequest,
  type LlmProvider,
  type StreamEvent,
  streamEndedEarly,
} from "./provider";
import { defaultModel } from "./models";
import { requestTimeoutMs } from "./timeouts";

export const anthropicDefaults = { model: defaultModel("anthropic") };

function toProviderError(error: unknown, key: string | undefined): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = scrubSecrets(error instanceof Error ? error.message : String(error), [key]);
  if (error instanceof Anthropic.APIUserAbortError)
    return new ProviderError("anthropic", "aborted", undefined, message);
  if (error instanceof Anthropic.APIConnectionTimeoutError)
    return new ProviderError("anthropic", "timeout", undefined, message);
  if (error instanceof Anthropic.APIConnectionError)
    return new ProviderError("anthropic", "network", undefined, message);
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") return new ProviderError("anthropic", kindOfStatus(status), status, message);
  return new ProviderError("anthropic", "network", undefined, message);
}

/** Anthropic's Messages API takes the system prompt apart from the conversation. */
function messagesBody(request: GenerateRequest) {
  const system = request.messages
    .filter((message) => message.role === "system")
    .map((message) => message.content)
    .join("\n\n");
  const messages = request.messages
    .filter((message) => message.role !== "system")
    .map((message) => ({ role: message.role as "user" | "assistant", content: message.content }));
  return { model: request.model, max_tokens: request.maxTokens, messages, ...(system ? { system } : {}) };
}

export function anthropicProvider(env: Env): LlmProvider {
  const key = env.ANTHROPIC_API_KEY;
  const sdk = new Anthropic({ apiKey: key ?? "", maxRetries: 0, timeout: requestTimeoutMs(env) });
  return {
    name: "anthropic",
    defaultModel: anthropicDefaults.model,

    async generate(request) {
      try {
        const message = await sdk.messages.create(
          { ...messagesBody(request), stream: false },
          { signal: request.signal },
        );
        const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
        return { text, usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens } };
      } catch (error) {
        throw toProviderError(error, key);
      }
    },

    /** Whole only with its `message_stop` event; the stop reason comes in `message_delta` before it. */
    async *stream(request): AsyncIterable<StreamEvent> {
      const usage = { inputTokens: 0, outputTokens: 0 };
      let stopReason: string | undefined;
      let stopped = false;
      try {
        const events = await sdk.messages.create(
          { ...messagesBody(request), stream: true },
          { signal: request.signal },
        );
        for await (const event of events) {
          if (event.type === "message_start") {
            usage.inputTokens = event.message.usage.input_tokens;
            usage.outputTokens = event.message.usage.output_tokens;
          } else if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
            yield { type: "token", text: event.delta.text };
          } else if (event.type === "message_delta") {
            usage.outputTokens = event.usage.output_tokens;
            stopReason = event.delta.stop_reason ?? stopReason;
          } else if (event.type === "message_stop") {
            stopped = true;
          }
        }
      } catch (error) {
        throw toProviderError(error, key);
      }
      if (!stopped) throw streamEndedEarly("anthropic");
      const finish =
        stopReason === "max_tokens"
          ? "length"
          : stopReason === undefined || stopReason === "end_turn" || stopReason === "stop_sequence"
            ? "stop"
            : stopReason;
      yield { type: "done", usage, finish };
    },
  };
}
