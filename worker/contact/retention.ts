import { expireContactsQuery } from "../db/contact-queries";
import type { Db } from "../db/database";
import type { ContactSettings } from "./contact-settings";

/** Messages received before this (SQLite DATETIME text, as `received_at` is stored) are past their retention. */
export function retentionCutoff(settings: Pick<ContactSettings, "retentionDays">, now = Date.now()): string {
  return new Date(now - settings.retentionDays * 86_400_000).toISOString().replace("T", " ").replace("Z", "");
}

/** The daily upkeep's part for the inbox: deletes what is past its retention; returns how many. */
export async function expireContacts(db: Db, settings: Pick<ContactSettings, "retentionDays">, now = Date.now()) {
  const result = await expireContactsQuery(db, retentionCutoff(settings, now)).executeTakeFirst();
  return Number(result.numDeletedRows);
}
