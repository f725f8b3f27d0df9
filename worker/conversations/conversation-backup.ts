import type { ConversationRow, MessageRow } from "../db/conversation-queries";
import type { RestoredConversation, RestoredMessage } from "../db/conversation-backup-queries";
import { fromIso, toIso } from "../db/timestamps";
import type { ImportedConversation } from "../schemas/import";
import type { MessageStatus } from "./conversation-view";

/** A conversation as the export writes it: every column, and all its messages (every version). */
export function exportedConversation(row: ConversationRow, messages: readonly MessageRow[]) {
  return {
    id: row.id,
    agent: row.agent,
    title: row.title,
    title_source: row.title_source as "message" | "model" | "user",
    pinned: row.pinned === 1,
    remember: row.remember === 1,
    temporary: row.temporary === 1,
    provider: row.provider,
    model: row.model,
    leaf_id: row.leaf_id,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    messages: messages.map((message) => ({
      id: message.id,
      parent_id: message.parent_id,
      role: message.role === "user" ? ("user" as const) : ("assistant" as const),
      content: message.content,
      status: message.status as MessageStatus,
      error_code: message.error_code,
      error_message: message.error_message,
      finish_reason: message.finish_reason,
      provider: message.provider,
      model: message.model,
      input_tokens: message.input_tokens,
      output_tokens: message.output_tokens,
      engram_id: message.engram_id,
      created_at: toIso(message.created_at),
      updated_at: toIso(message.updated_at),
    })),
  };
}

export type ExportedConversation = ReturnType<typeof exportedConversation>;

/** The rows an exported conversation was read from (exportedConversation's inverse). */
export function restoredConversation(item: ImportedConversation): {
  conversation: RestoredConversation;
  messages: RestoredMessage[];
} {
  const { messages, ...conversation } = item;
  return {
    conversation: {
      ...conversation,
      pinned: conversation.pinned ? 1 : 0,
      remember: conversation.remember ? 1 : 0,
      temporary: conversation.temporary ? 1 : 0,
      created_at: fromIso(conversation.created_at),
      updated_at: fromIso(conversation.updated_at),
    },
    messages: messages.map((message) => ({
      ...message,
      conversation_id: item.id,
      created_at: fromIso(message.created_at),
      updated_at: fromIso(message.updated_at),
    })),
  };
}
