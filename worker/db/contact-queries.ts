import type { Insertable, Selectable } from "kysely";
import type { CursorPosition } from "../http/cursor";
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

/** Windows that ended before `windowStart` no longer limit anyone. */
export function expireContactWindowsQuery(db: Db, windowStart: number) {
  return db.deleteFrom("contact_rate_limits").where("window_start", "<", windowStart);
}
