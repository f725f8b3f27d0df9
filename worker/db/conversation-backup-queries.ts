import { sql, type Insertable } from "kysely";
import { conversationColumns, messageColumns } from "./conversation-queries";
import type { ConversationMessagesTable, ConversationsTable, Db } from "./database";

/**
 * Export and import of conversations (GET /api/export, POST /api/import). The upserts touch a row
 * only when the backup differs from it and return only the rows written, as import-queries.ts does
 * for the other tables.
 */

/** D1 binds at most 100 parameters per statement. */
const maxBoundParameters = 100;

export type RestoredConversation = Required<Omit<Insertable<ConversationsTable>, "rowid">>;
export type RestoredMessage = Required<Omit<Insertable<ConversationMessagesTable>, "rowid">>;

/** Every conversation and every message (all versions), oldest first. */
export async function readAllConversations(db: Db) {
  const [conversations, messages] = await Promise.all([
    db.selectFrom("conversations").select(conversationColumns).orderBy("created_at").orderBy("id").execute(),
    db
      .selectFrom("conversation_messages")
      .select(messageColumns)
      .orderBy("conversation_id")
      .orderBy("created_at")
      .orderBy("id")
      .execute(),
  ]);
  return { conversations, messages };
}

const conversationValueColumns = conversationColumns.filter((column) => column !== "id");
const messageValueColumns = messageColumns.filter((column) => column !== "id");

export function upsertConversationsQueries(db: Db, rows: readonly RestoredConversation[]) {
  return chunks(rows, conversationColumns.length).map((some) =>
    db
      .insertInto("conversations")
      .values(some)
      .onConflict((conflict) =>
        conflict
          .column("id")
          .doUpdateSet((eb) =>
            Object.fromEntries(conversationValueColumns.map((column) => [column, eb.ref(`excluded.${column}`)])),
          )
          .where((eb) =>
            eb.or(
              conversationValueColumns.map((column) =>
                eb(sql.ref(`conversations.${column}`), "is not", sql.ref(`excluded.${column}`)),
              ),
            ),
          ),
      )
      .returning("id"),
  );
}

export function upsertMessagesQueries(db: Db, rows: readonly RestoredMessage[]) {
  return chunks(rows, messageColumns.length).map((some) =>
    db
      .insertInto("conversation_messages")
      .values(some)
      .onConflict((conflict) =>
        conflict
          .column("id")
          .doUpdateSet((eb) =>
            Object.fromEntries(messageValueColumns.map((column) => [column, eb.ref(`excluded.${column}`)])),
          )
          .where((eb) =>
            eb.or(
              messageValueColumns.map((column) =>
                eb(sql.ref(`conversation_messages.${column}`), "is not", sql.ref(`excluded.${column}`)),
              ),
            ),
          ),
      )
      .returning(["id", "conversation_id"]),
  );
}

function chunks<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(maxBoundParameters / parametersPerRow));
  const groups: T[][] = [];
  for (let start = 0; start < rows.length; start += size) groups.push(rows.slice(start, start + size));
  return groups;
}
