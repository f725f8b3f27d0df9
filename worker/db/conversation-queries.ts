import { sql, type Insertable, type Selectable, type Updateable } from "kysely";
import type { ConversationMessagesTable, ConversationsTable, Db, Timestamp } from "./database";

/** Every conversation column but rowid. */
export const conversationColumns = [
  "id",
  "agent",
  "title",
  "title_source",
  "pinned",
  "remember",
  "temporary",
  "provider",
  "model",
  "leaf_id",
  "created_at",
  "updated_at",
] as const;

/** Every message column but rowid. */
export const messageColumns = [
  "id",
  "conversation_id",
  "parent_id",
  "role",
  "content",
  "status",
  "error_code",
  "error_message",
  "finish_reason",
  "provider",
  "model",
  "input_tokens",
  "output_tokens",
  "engram_id",
  "created_at",
  "updated_at",
] as const;

export type ConversationRow = Pick<Selectable<ConversationsTable>, (typeof conversationColumns)[number]>;
export type MessageRow = Pick<Selectable<ConversationMessagesTable>, (typeof messageColumns)[number]>;
export type NewConversation = Insertable<ConversationsTable>;
export type NewMessage = Insertable<ConversationMessagesTable>;
export type ConversationChanges = Updateable<ConversationsTable>;
export type MessageChanges = Updateable<ConversationMessagesTable>;

/** A list position: (pinned, updated_at, id) of the last row of the previous page. */
export interface ListPosition {
  pinned: number;
  updatedAt: Timestamp;
  id: string;
}

export function getConversationQuery(db: Db, agent: string, id: string) {
  return db.selectFrom("conversations").select(conversationColumns).where("id", "=", id).where("agent", "=", agent);
}

/** Creates the conversation unless it exists (two first messages racing make one conversation). */
export function insertConversationQuery(db: Db, row: NewConversation) {
  return db
    .insertInto("conversations")
    .values(row)
    .onConflict((conflict) => conflict.column("id").doNothing());
}

export function updateConversationQuery(db: Db, agent: string, id: string, changes: ConversationChanges) {
  return db
    .updateTable("conversations")
    .set(changes)
    .where("id", "=", id)
    .where("agent", "=", agent)
    .returning(conversationColumns);
}

export function insertMessageQuery(db: Db, row: NewMessage) {
  return db.insertInto("conversation_messages").values(row);
}

export function updateMessageQuery(db: Db, id: string, changes: MessageChanges) {
  return db.updateTable("conversation_messages").set(changes).where("id", "=", id);
}

export function getMessageQuery(db: Db, conversationId: string, id: string) {
  return db
    .selectFrom("conversation_messages")
    .select(messageColumns)
    .where("id", "=", id)
    .where("conversation_id", "=", conversationId);
}

/** Every message of a conversation (all versions), oldest first. */
export function messagesOfQuery(db: Db, conversationId: string) {
  return db
    .selectFrom("conversation_messages")
    .select(messageColumns)
    .where("conversation_id", "=", conversationId)
    .orderBy("created_at")
    .orderBy("id");
}

/**
 * The path that ends at `leafId`, newest first, at most `depth` messages: the turns a prompt is
 * built from when the KV session cache does not hold them. One recursive statement, so a long
 * conversation costs one round trip and only the rows on the path.
 */
export function pathQuery(db: Db, conversationId: string, leafId: string, depth: number) {
  return sql<Pick<MessageRow, "id" | "parent_id" | "role" | "content" | "status" | "created_at">>`
    WITH RECURSIVE path(id, parent_id, role, content, status, created_at, depth) AS (
      SELECT id, parent_id, role, content, status, created_at, 1
        FROM conversation_messages WHERE id = ${leafId} AND conversation_id = ${conversationId}
      UNION ALL
      SELECT m.id, m.parent_id, m.role, m.content, m.status, m.created_at, path.depth + 1
        FROM conversation_messages AS m JOIN path ON m.id = path.parent_id
        WHERE path.depth < ${depth} AND m.conversation_id = ${conversationId}
    )
    SELECT id, parent_id, role, content, status, created_at FROM path ORDER BY depth`.execute(db);
}

/** Pinned first, then the most recently updated; `limit + 1` rows so the caller knows whether more exist. */
export function listConversationsQuery(db: Db, agent: string, limit: number, after?: ListPosition) {
  let query = withMessageCounts(db, agent).where("c.temporary", "=", 0);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb("c.pinned", "<", after.pinned),
        eb.and([
          eb("c.pinned", "=", after.pinned),
          eb(eb.refTuple("c.updated_at", "c.id"), "<", eb.tuple(after.updatedAt, after.id)),
        ]),
      ]),
    );
  }
  return query
    .orderBy("c.pinned", "desc")
    .orderBy("c.updated_at", "desc")
    .orderBy("c.id", "desc")
    .limit(limit + 1);
}

/** Marks around a search hit in a snippet: control characters, which no stored text holds as markup. */
export const snippetMarks = { open: "\u0002", close: "\u0003" } as const;

export interface SearchHit {
  id: string;
  /** The best-matching message's text around the match, hits between snippetMarks; null for a title match. */
  snippet: string | null;
  rank: number;
}

/**
 * Conversations whose title or any message matches `match` (an FTS5 expression built from words,
 * never from syntax), best match first. Temporary chats are never found.
 */
export function searchConversationsQuery(db: Db, agent: string, match: string, limit: number) {
  return sql<SearchHit>`
    WITH hits(id, snippet, rank) AS (
      SELECT c.id, NULL, bm25(conversations_fts) * 2
        FROM conversations_fts JOIN conversations AS c ON c.rowid = conversations_fts.rowid
        WHERE conversations_fts MATCH ${match} AND c.agent = ${agent} AND c.temporary = 0
      UNION ALL
      SELECT m.conversation_id,
             snippet(conversation_messages_fts, 0, ${snippetMarks.open}, ${snippetMarks.close}, '…', 12),
             bm25(conversation_messages_fts)
        FROM conversation_messages_fts
        JOIN conversation_messages AS m ON m.rowid = conversation_messages_fts.rowid
        JOIN conversations AS c ON c.id = m.conversation_id
        WHERE conversation_messages_fts MATCH ${match} AND c.agent = ${agent} AND c.temporary = 0
    )
    SELECT id, snippet, MIN(rank) AS rank FROM hits GROUP BY id ORDER BY rank, id LIMIT ${limit}`.execute(db);
}

/** The conversations with these ids (a search's hits), with their message counts. */
export function conversationsByIdQuery(db: Db, agent: string, ids: readonly string[]) {
  return withMessageCounts(db, agent).where("c.id", "in", ids.length ? ids : [""]);
}

/** The agent's conversations (as `c`), each with its count of messages. */
function withMessageCounts(db: Db, agent: string) {
  return db
    .selectFrom("conversations as c")
    .select(conversationColumns.map((column) => `c.${column}` as const))
    .select((eb) =>
      eb
        .selectFrom("conversation_messages as m")
        .select((inner) => inner.fn.countAll<number>().as("n"))
        .whereRef("m.conversation_id", "=", "c.id")
        .as("message_count"),
    )
    .where("c.agent", "=", agent);
}

/** A conversation and its messages, in one batch (its KV session is deleted beside it). */
export function deleteConversationQueries(db: Db, agent: string, id: string) {
  return [
    db
      .deleteFrom("conversation_messages")
      .where("conversation_id", "=", id)
      .where((eb) =>
        eb.exists(eb.selectFrom("conversations").select("id").where("id", "=", id).where("agent", "=", agent)),
      ),
    db.deleteFrom("conversations").where("id", "=", id).where("agent", "=", agent).returning("id"),
  ] as const;
}

/**
 * Conversations last updated before `cutoff` (all of them, or only temporary ones), with their
 * messages: the daily upkeep's retention and the end of temporary chats.
 */
export function expireConversationsQueries(db: Db, cutoff: Timestamp, onlyTemporary: boolean) {
  const old = db
    .selectFrom("conversations")
    .select("id")
    .where("updated_at", "<", cutoff)
    .$if(onlyTemporary, (query) => query.where("temporary", "=", 1));
  return [
    db.deleteFrom("conversation_messages").where("conversation_id", "in", old),
    db
      .deleteFrom("conversations")
      .where("updated_at", "<", cutoff)
      .$if(onlyTemporary, (query) => query.where("temporary", "=", 1)),
  ] as const;
}
