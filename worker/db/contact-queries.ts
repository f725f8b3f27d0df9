import { sql, type Insertable, type Selectable } from "kysely";
import type { CursorPosition } from "./cursor-position";
import type { ContactsTable, Db } from "./database";

export type ContactRow = Selectable<ContactsTable>;
export type NewContact = Omit<Insertable<ContactsTable>, "id" | "received_at">;

export async function insertContact(db: Db, contact: NewContact, receivedAt: string): Promise<ContactRow> {
  return db
    .insertInto("contacts")
    .values({ ...contact, id: crypto.randomUUID(), received_at: receivedAt })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Newest first; limit + 1 rows so the caller knows whether another page exists. */
export async function listContacts(db: Db, limit: number, after?: CursorPosition): Promise<ContactRow[]> {
  let query = db.selectFrom("contacts").selectAll();
  if (after) query = query.where((eb) => eb(eb.refTuple("received_at", "id"), "<", eb.tuple(after.at, after.id)));
  return query
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

export async function getContact(db: Db, id: string): Promise<ContactRow | undefined> {
  return db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function deleteContact(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom("contacts").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Counts one request in the caller's window and returns the window's count so far (atomic upsert). */
export function countContactAttemptQuery(db: Db, caller: string, windowStart: number) {
  return db
    .insertInto("contact_rate_limits")
    .values({ caller, window_start: windowStart, count: 1 })
    .onConflict((conflict) =>
      conflict
        .columns(["caller", "window_start"])
        .doUpdateSet((eb) => ({ count: eb("contact_rate_limits.count", "+", 1) })),
    )
    .returning("count");
}

/** The inbox's own counter row, beside the callers' (a SHA-256 is 64 hex digits, so it cannot be one). */
export const inboxCaller = "inbox";

/**
 * Counts one message in the inbox's window, only when the caller's count in its own window (the
 * statement before, in the same batch) is within `limit`; returns the window's count so far, or no
 * row when the caller is over its limit.
 */
export function countInboxMessageQuery(
  db: Db,
  windowStart: number,
  caller: { caller: string; window: number; limit: number },
) {
  const callerCount = db
    .selectFrom("contact_rate_limits")
    .select("count")
    .where("caller", "=", caller.caller)
    .where("window_start", "=", caller.window);
  return db
    .insertInto("contact_rate_limits")
    .columns(["caller", "window_start", "count"])
    .expression(
      db
        .selectNoFrom([
          sql.lit(inboxCaller).as("caller"),
          sql<number>`${windowStart}`.as("window_start"),
          sql.lit(1).as("count"),
        ])
        .where(callerCount, "<=", caller.limit),
    )
    .onConflict((conflict) =>
      conflict
        .columns(["caller", "window_start"])
        .doUpdateSet((eb) => ({ count: eb("contact_rate_limits.count", "+", 1) })),
    )
    .returning("count");
}

/** Windows that started before `before` (the inbox's current hour) no longer limit anyone. */
export function expireContactWindowsQuery(db: Db, before: number) {
  return db.deleteFrom("contact_rate_limits").where("window_start", "<", before);
}

/** Messages received before `cutoff` are past their retention. */
export function expireContactsQuery(db: Db, cutoff: string) {
  return db.deleteFrom("contacts").where("received_at", "<", cutoff);
}
