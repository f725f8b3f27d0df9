import { runBatch } from "../db/batch";
import {
  getMessageQuery,
  insertConversationQuery,
  insertMessageQuery,
  pathQuery,
  updateConversationQuery,
  updateMessageQuery,
  type ConversationRow,
  type MessageRow,
} from "../db/conversation-queries";
import type { Db } from "../db/database";
import { fromIso, nowTimestamp, toIso } from "../db/timestamps";
import type { Env } from "../env";
import type { Usage } from "../llm/provider";
import { ConversationNotFound, InvalidConversationInput } from "../conversations/conversation-errors";
import { titleFrom, type MessageStatus } from "../conversations/conversation-view";
import type { ChatInput } from "../schemas/chat";
import { cacheSessionTurns, getSession, sessionLimits, type SessionMessage } from "../sessions/session-store";

/** One earlier turn of the path a prompt is built from, oldest first. */
export interface Turn {
  id: string;
  role: "user" | "assistant";
  content: string;
  at: string;
}

/** Everything known about a turn once its rows are written, before the model is called. */
export interface BegunTurn {
  conversation: { id: string; remember: boolean; temporary: boolean; titled: boolean; createdAt: string };
  /** The user message being answered (new, edited, or the one a regenerate or retry answers again). */
  userMessageId: string;
  /** The answer's row, written now as `streaming` and finished by `endTurn`. */
  messageId: string;
  /** The question's text, and the turns before it (at most the session cache's worth). */
  message: string;
  history: Turn[];
  /** Memories made of the versions this turn replaces: deleted once it is answered and remembered. */
  replacedEngramIds: string[];
}

/** How an answer ended: whole, cut off (partial), stopped by the person, or never given. */
export interface TurnOutcome {
  status: Exclude<MessageStatus, "streaming">;
  content: string;
  provider?: string | undefined;
  model?: string | undefined;
  usage?: Usage | undefined;
  finish?: string | undefined;
  error?: { code: string; message: string } | undefined;
  engramId?: string | undefined;
}

/**
 * Writes the start of a turn: the conversation (created on its first message), the user's message
 * (unless an existing one is answered again: a question is never stored twice) and the answer's
 * row as `streaming`, in one transaction; then the KV session becomes the path's recent turns. The
 * turns before the question come from the KV session when it holds exactly that path (the hot
 * cache), else from D1.
 */
export async function beginTurn(
  env: Env,
  db: Db,
  agent: string,
  sessionId: string,
  existing: ConversationRow | undefined,
  input: ChatInput,
  answering: { provider: string; model: string },
): Promise<BegunTurn> {
  const now = nowTimestamp();
  let message: string;
  let userMessageId: string;
  let historyEnd: string | null;
  let replacedOf: string | undefined;
  const writes = [];

  if (input.reply_to !== undefined) {
    const target = await userMessage(db, sessionId, input.reply_to, "reply_to");
    message = target.content;
    userMessageId = target.id;
    historyEnd = target.parent_id;
    replacedOf = target.id;
    // An answer that failed before saying anything holds nothing worth a version of its own.
    writes.push(
      db
        .deleteFrom("conversation_messages")
        .where("parent_id", "=", target.id)
        .where("status", "=", "failed")
        .where("content", "=", ""),
    );
  } else {
    message = input.message!;
    userMessageId = crypto.randomUUID();
    if (input.edit !== undefined) {
      const edited = await userMessage(db, sessionId, input.edit, "edit");
      historyEnd = edited.parent_id;
      replacedOf = edited.id;
    } else {
      historyEnd = existing?.leaf_id ?? null;
    }
  }

  // A session kept in KV only (by a worker before conversations were stored) becomes the
  // conversation's beginning, so going on with it keeps its history.
  const adopted = existing ? [] : await adoptedTurns(env, sessionId);
  if (adopted.length) historyEnd = adopted.at(-1)!.id;
  const [history, replacedEngramIds] = await Promise.all([
    adopted.length ? Promise.resolve(adopted) : turnsUpTo(env, db, sessionId, historyEnd),
    replacedOf === undefined ? Promise.resolve([]) : answerEngrams(db, sessionId, replacedOf),
  ]);

  const messageId = crypto.randomUUID();
  const conversation = existing ?? {
    id: sessionId,
    agent,
    title: titleFrom(message),
    title_source: "message",
    pinned: 0,
    remember: input.remember === false ? 0 : 1,
    temporary: input.temporary === true ? 1 : 0,
    provider: input.provider ?? null,
    model: input.model ?? null,
    leaf_id: null,
    created_at: now,
    updated_at: now,
  };
  if (!existing) writes.unshift(insertConversationQuery(db, conversation));
  adopted.forEach((turn, index) =>
    writes.push(
      insertMessageQuery(db, {
        id: turn.id,
        conversation_id: sessionId,
        parent_id: adopted[index - 1]?.id ?? null,
        role: turn.role,
        content: turn.content,
        created_at: fromIso(turn.at),
        updated_at: fromIso(turn.at),
      }),
    ),
  );
  if (input.reply_to === undefined) {
    writes.push(
      insertMessageQuery(db, {
        id: userMessageId,
        conversation_id: sessionId,
        parent_id: historyEnd,
        role: "user",
        content: message,
        status: "complete",
        created_at: now,
        updated_at: now,
      }),
    );
  }
  writes.push(
    insertMessageQuery(db, {
      id: messageId,
      conversation_id: sessionId,
      parent_id: userMessageId,
      role: "assistant",
      content: "",
      status: "streaming",
      provider: answering.provider,
      model: answering.model,
      created_at: nowTimestamp(),
      updated_at: nowTimestamp(),
    }),
    updateConversationQuery(db, agent, sessionId, {
      leaf_id: messageId,
      updated_at: now,
      ...(input.provider !== undefined && { provider: input.provider, model: input.model ?? null }),
    }),
  );
  await runBatch(env.DB, writes);

  const question: Turn = { id: userMessageId, role: "user", content: message, at: toIso(now) };
  await cacheSessionTurns(env, sessionId, [...history, question], toIso(conversation.created_at));
  return {
    conversation: {
      id: sessionId,
      remember: conversation.remember === 1,
      temporary: conversation.temporary === 1,
      titled: conversation.title_source !== "message",
      createdAt: toIso(conversation.created_at),
    },
    userMessageId,
    messageId,
    message,
    history,
    replacedEngramIds,
  };
}

/** Writes how the answer ended, and adds it to the session cache when it said anything. */
export async function endTurn(env: Env, db: Db, agent: string, turn: BegunTurn, outcome: TurnOutcome): Promise<void> {
  const now = nowTimestamp();
  await runBatch(env.DB, [
    updateMessageQuery(db, turn.messageId, {
      content: outcome.content,
      status: outcome.status,
      error_code: outcome.error?.code ?? null,
      error_message: outcome.error?.message ?? null,
      finish_reason: outcome.finish ?? null,
      ...(outcome.provider !== undefined && { provider: outcome.provider }),
      ...(outcome.model !== undefined && { model: outcome.model }),
      input_tokens: outcome.usage?.inputTokens ?? null,
      output_tokens: outcome.usage?.outputTokens ?? null,
      engram_id: outcome.engramId ?? null,
      updated_at: now,
    }),
    updateConversationQuery(db, agent, turn.conversation.id, { updated_at: now }),
  ]);
  if (outcome.content !== "") {
    const question: Turn = { id: turn.userMessageId, role: "user", content: turn.message, at: toIso(now) };
    const answer: Turn = { id: turn.messageId, role: "assistant", content: outcome.content, at: toIso(now) };
    await cacheSessionTurns(
      env,
      turn.conversation.id,
      [...turn.history, question, answer],
      turn.conversation.createdAt,
    );
  }
}

async function userMessage(db: Db, conversationId: string, id: string, field: string): Promise<MessageRow> {
  const row = await getMessageQuery(db, conversationId, id).executeTakeFirst();
  if (!row) throw new ConversationNotFound("message");
  if (row.role !== "user") throw new InvalidConversationInput(field, "must name a message of the user");
  return row;
}

/** The memories made of the answers to a message (its versions' exchanges). */
async function answerEngrams(db: Db, conversationId: string, parentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("conversation_messages")
    .select("engram_id")
    .where("conversation_id", "=", conversationId)
    .where("parent_id", "=", parentId)
    .where("engram_id", "is not", null)
    .execute();
  return rows.map((row) => row.engram_id!);
}

/**
 * The turns up to `lastId` (inclusive), oldest first, as many as a session keeps: from the KV
 * session when its last turn is `lastId` (the hot cache), else from the conversation's path in D1.
 */
async function turnsUpTo(env: Env, db: Db, conversationId: string, lastId: string | null): Promise<Turn[]> {
  if (lastId === null) return [];
  const cached = await getSession(env, conversationId);
  if (cached && cached.messages.at(-1)?.id === lastId && cached.messages.every(hasId)) {
    return cached.messages.map((message) => ({
      id: message.id,
      role: message.role === "assistant" ? "assistant" : "user",
      content: message.content,
      at: message.at,
    }));
  }
  const { rows } = await pathQuery(db, conversationId, lastId, sessionLimits.maxMessages);
  return rows
    .reverse()
    .filter((row) => row.content !== "")
    .map((row) => ({
      id: row.id,
      role: row.role === "assistant" ? "assistant" : "user",
      content: row.content,
      at: toIso(row.created_at),
    }));
}

/** The turns of a KV-only session (its messages carry no ids), with ids of their own. */
async function adoptedTurns(env: Env, sessionId: string): Promise<Turn[]> {
  const session = await getSession(env, sessionId);
  if (!session || session.messages.some((message) => message.id !== undefined)) return [];
  return session.messages
    .filter((message) => message.role !== "system" && message.content !== "")
    .map((message) => ({
      id: crypto.randomUUID(),
      role: message.role === "assistant" ? ("assistant" as const) : ("user" as const),
      content: message.content,
      at: message.at,
    }));
}

function hasId(message: SessionMessage): message is SessionMessage & { id: string } {
  return typeof message.id === "string" && message.role !== "system";
}
