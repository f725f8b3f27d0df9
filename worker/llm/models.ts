import type { Model as AnthropicModel } from "@anthropic-ai/sdk/resources/messages/messages";
import type { AiModels } from "@cloudflare/workers-types/index";
import type { ChatCompletionCreateParamsBase as GroqParams } from "groq-sdk/resources/chat/completions";
import type { ChatModel as OpenAiModel } from "openai/resources/shared";
import type { ProviderName } from "./provider";

/** The named members of an SDK's model union, without its `string & {}` escape hatch. */
type Named<T> = T extends string ? (string extends T ? never : T) : never;

/**
 * The models the app offers for each provider, its default first: each one a model its pinned SDK
 * names in its current list (checked here at compile time where the SDK has such a list; Gemini's
 * SDK has none), none that the SDK marks deprecated (checked by test/worker/llm/models.test.ts).
 * Chosen among each list's current chat models without reasoning parameters, which the chat does
 * not send. A person may still type any other model the provider serves.
 */
export const providerModels = {
  "workers-ai": [
    "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
    "@cf/meta/llama-4-scout-17b-16e-instruct",
    "@cf/mistralai/mistral-small-3.1-24b-instruct",
    "@cf/google/gemma-3-12b-it",
  ] as const satisfies readonly (keyof AiModels)[],
  openai: ["gpt-4.1-mini", "gpt-4.1", "gpt-4.1-nano"] as const satisfies readonly Named<OpenAiModel>[],
  anthropic: [
    "claude-sonnet-5-5",
    "claude-opus-5-5",
    "claude-haiku-5-5",
  ] as const satisfies readonly Named<AnthropicModel>[],
  gemini: ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"] as const,
  groq: ["llama-3.3-70b-versatile", "openai/gpt-oss-120b", "llama-3.1-8b-instant"] as const satisfies readonly Named<
    GroqParams["model"]
  >[],
} satisfies Record<ProviderName, readonly [string, ...string[]]>;

/** A provider's default model: the first of its list. */
export function defaultModel(name: ProviderName): string {
  return providerModels[name][0];
}
