import type { Env } from "../env";
import type { Db } from "../db/database";
import { QueryMeter } from "../db/engram-meter";
import { eraseAllContents } from "../db/privacy-queries";
import { logFailure, type LogContext } from "../log";
import { forgetChangeLog, forgetVectorSnapshots } from "../memory/vector-cache";
import { deleteAllSessions } from "../sessions/session-store";
import { overwriteLog } from "./scrub";

/**
 * Erases all stored data: the D1 tables in one transaction first, the pages they occupied written
 * over in it (the part that must not be left half done), then the KV sessions and the vector
 * snapshots, then D1's write-ahead log is written over. Returns what was erased, per kind, and whether the log was
 * overwritten (the erase stands either way).
 */
export async function eraseEverything(env: Env, db: Db, log: LogContext) {
  const { counts, sizeBefore } = await eraseAllContents(db, env.DB);
  await forgetChangeLog(new QueryMeter(env.DB), db);
  const sessions = await deleteAllSessions(env);
  await forgetVectorSnapshots(env.SESSION);
  const overwritten = await overwriteLog(env.DB, sizeBefore).then(
    () => true,
    (error: unknown) => {
      logFailure("erase_log_overwrite_failed", error, log);
      return false;
    },
  );
  return { erased: { ...counts, sessions }, overwritten };
}
