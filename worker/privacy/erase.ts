import type { Env } from "../env";
import type { Db } from "../db/database";
import { QueryMeter } from "../db/engram-meter";
import { eraseAllContents } from "../db/privacy-queries";
import { forgetChangeLog } from "../memory/vector-cache";
import { deleteAllSessions } from "../sessions/session-store";

/**
 * Erases all stored data: the D1 rows in one transaction first (the part that must not be left
 * half done), then the KV sessions. Returns what was erased, per kind.
 */
export async function eraseEverything(env: Env, db: Db) {
  const rows = await eraseAllContents(db, env.DB);
  await forgetChangeLog(new QueryMeter(env.DB), db);
  const sessions = await deleteAllSessions(env);
  return { ...rows, sessions };
}
