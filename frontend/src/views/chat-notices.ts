import { ApiError } from "../api";
import type { ChatDone, ConversationMessage } from "../api-types";
import { preferences } from "../preferences";
import type { ModelChoice } from "./model-picker";

/** What the chat shows about answers: their line of details, and why one did not finish. */

/** The model last picked, for a new chat. */
export function rememberedChoice(): ModelChoice | undefined {
  const provider = preferences.provider();
  const model = preferences.model();
  return provider && model ? { provider, model } : undefined;
}

export function describeAnswer(result: ChatDone): string {
  const parts = [[result.provider, result.model].filter(Boolean).join(" · ")];
  if (result.usage.output_tokens) parts.push(`${result.usage.output_tokens} tokens`);
  if (result.memories.length)
    parts.push(`${result.memories.length} ${result.memories.length === 1 ? "memory" : "memories"} recalled`);
  return parts.filter(Boolean).join(" · ");
}

export function describeStored(message: ConversationMessage): string {
  const parts = [[message.provider, message.model].filter(Boolean).join(" · ")];
  if (message.usage?.output_tokens) parts.push(`${message.usage.output_tokens} tokens`);
  if (message.finish_reason === "length") parts.push("stopped at the length limit");
  return parts.filter(Boolean).join(" · ");
}

export function interruptedNotice(reason: string): string {
  return `Interrupted: the answer was cut off before it finished. ${reason}`;
}

/** What an unfinished stored answer says about itself. */
export function noticeOf(message: ConversationMessage): string | undefined {
  if (message.role !== "assistant") return undefined;
  if (message.status === "stopped") return "Stopped.";
  if (message.status === "interrupted") return interruptedNotice(message.error?.message ?? "");
  if (message.status === "failed") return message.error?.message ?? "The answer failed.";
  if (message.status === "streaming") return "Still being written…";
  return undefined;
}

/** What a failed request means for the person reading the chat. */
export function failureText(error: unknown): string {
  if (!(error instanceof ApiError)) return `Something went wrong: ${(error as Error).message}`;
  if (error.kind === "unauthorized") return "The worker refused the agent key (401). Enter the right key to continue.";
  // The worker's own words: "No model provider is configured. ...", "The model provider failed: ...".
  return error.message;
}
