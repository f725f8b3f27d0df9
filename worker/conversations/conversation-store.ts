import { runBatch } from "../db/batch";
import {
  conversationsByIdQuery,
  deleteConversationQueries,
  getConversationQuery,
  listConversationsQuery,
  messagesOfQuery,
  searchConversationsQuery,
  updateConversationQuery,
  type ConversationChanges,
  type ConversationRow,
  type ListPosition,
} from "../db/conversation-queries";
import type { Db } from "../db/database";
import type { Env } from "../env";
import type { CursorPosition } from "../db/cursor-position";
import { contentWords } from "../memory/words";
import { quote } from "../memory/fts-query";
import type { ConversationPatch } from "../schemas/conversation";
import { deleteSession } from "../sessions/session-store";
import { ConversationNotFound, InvalidConversationInput, UnknownConversationCursor } from "./conversation-errors";
import {
  conversationDetail,
  conversationView,
  MessageTree,
  type ConversationDetail,
  type ConversationView,
} from "./conversation-view";

export interface ConversationPage {
  conversations: (ConversationView & { snippet?: string | null })[];
  /** Where the next page starts, when there is one. */
  next: CursorPosition | null;
}

export async function findConversation(db: Db, agent: string, id: string): Promise<ConversationRow | undefined> {
  return getConversationQuery(db, agent, id).executeTakeFirst();
}

/** The conversation and the path it shows, each message with its versions. */
export async function readConversation(db: Db, agent: string, id: string): Promise<ConversationDetail> {
  const row = await findConversation(db, agent, id);
  if (!row) throw new ConversationNotFound("conversation");
  return conversationDetail(row, await messagesOfQuery(db, id).execute());
}

/** Pinned first, then the most recent; temporary chats are never listed. */
export async function listConversations(
  db: Db,
  agent: string,
  options: { limit: number; after?: CursorPosition },
): Promise<ConversationPage> {
  const after = options.after === undefined ? undefined : listPosition(options.after);
  const rows = await listConversationsQuery(db, agent, options.limit, after).execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    conversations: page.map(conversationView),
    next: rows.length > options.limit && last ? { at: `${last.pinned}|${last.updated_at}`, id: last.id } : null,
  };
}

/**
 * Conversations whose title or messages hold every word of `query` (each word also as the start of
 * a longer one, so a search finds while it is typed), best match first, each with the matching
 * text around the hit. The words are quoted: FTS5 syntax in the query is searched for, never obeyed.
 */
export async function searchConversations(
  db: Db,
  agent: string,
  query: string,
  limit: number,
): Promise<ConversationPage> {
  const words = contentWords(query, 16);
  if (words.length === 0) return { conversations: [], next: null };
  const match = words.map((word) => `${quote(word)}*`).join(" ");
  const hits = (await searchConversationsQuery(db, agent, match, limit)).rows;
  const rows = await conversationsByIdQuery(
    db,
    agent,
    hits.map((hit) => hit.id),
  ).execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return {
    conversations: hits.flatMap((hit) => {
      const row = byId.get(hit.id);
      return row ? [{ ...conversationView(row), snippet: hit.snippet }] : [];
    }),
    next: null,
  };
}

/**
 * Renames, pins, switches remembering or the model, or shows another version (`branch`: the path
 * through that message, down its newest replies).
 */
export async function updateConversation(
  db: Db,
  agent: string,
  id: string,
  patch: ConversationPatch,
): Promise<ConversationDetail> {
  const row = await findConversation(db, agent, id);
  if (!row) throw new ConversationNotFound("conversation");
  const changes: ConversationChanges = {};
  if (patch.title !== undefined) {
    changes.title = patch.title.trim();
    changes.title_source = "user";
  }
  if (patch.pinned !== undefined) changes.pinned = patch.pinned ? 1 : 0;
  if (patch.remember !== undefined) changes.remember = patch.remember ? 1 : 0;
  if (patch.provider !== undefined) changes.provider = patch.provider;
  if (patch.model !== undefined) changes.model = patch.model;
  const messages = await messagesOfQuery(db, id).execute();
  if (patch.branch !== undefined) {
    const tree = new MessageTree(messages);
    if (!tree.get(patch.branch)) throw new InvalidConversationInput("branch", "is not a message of this conversation");
    changes.leaf_id = tree.newestLeafFrom(patch.branch);
  }
  // Renaming or pinning is not activity: the list keeps its order by the last message.
  const updated = Object.keys(changes).length
    ? await updateConversationQuery(db, agent, id, changes).executeTakeFirst()
    : row;
  if (!updated) throw new ConversationNotFound("conversation");
  return conversationDetail(updated, messages);
}

/** The conversation, its messages and its KV session. Memories made from it stay (they are the memory's). */
export async function deleteConversation(env: Env, db: Db, agent: string, id: string): Promise<boolean> {
  const results = await runBatch(env.DB, deleteConversationQueries(db, agent, id));
  const deleted = (results[1]?.results.length ?? 0) > 0;
  if (deleted) await deleteSession(env, id);
  return deleted;
}

/** The title a model made, unless the person named the conversation meanwhile. */
export async function updateTitleIfUnnamed(db: Db, agent: string, id: string, title: string): Promise<void> {
  await db
    .updateTable("conversations")
    .set({ title, title_source: "model" })
    .where("id", "=", id)
    .where("agent", "=", agent)
    .where("title_source", "=", "message")
    .execute();
}

function listPosition(position: CursorPosition): ListPosition {
  const match = /^([01])\|(.+)$/.exec(position.at);
  if (!match) throw new UnknownConversationCursor();
  return { pinned: Number(match[1]), updatedAt: match[2]!, id: position.id };
}
