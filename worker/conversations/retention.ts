import { runBatch } from "../db/batch";
import { expireConversationsQueries } from "../db/conversation-queries";
import type { Db } from "../db/database";
import type { Env } from "../env";
import { sessionTtlSeconds } from "../sessions/session-store";

/**
 * CONVERSATION_RETENTION_DAYS as a number of days, or undefined (the default): conversations are
 * kept until the user deletes them. A value that is not a whole number from 1 to 36,500 reads as
 * the default (the stack validates; a hand-made local setting may not be).
 */
export function conversationRetentionDays(env: Pick<Env, "CONVERSATION_RETENTION_DAYS">): number | undefined {
  const value = env.CONVERSATION_RETENTION_DAYS?.trim();
  if (!value) return undefined;
  const days = Number(value);
  return Number.isInteger(days) && days >= 1 && days <= 36_500 ? days : undefined;
}

/** SQLite DATETIME text (as conversations store `updated_at`) of `ms` before `now`. */
function cutoff(now: number, ms: number): string {
  return new Date(now - ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Temporary chats last updated before this have outlived their session. */
export function temporaryCutoff(env: Pick<Env, "SESSION_TTL_SECONDS">, now = Date.now()): string {
  return cutoff(now, sessionTtlSeconds(env) * 1000);
}

/**
 * The upkeep of conversations: temporary chats go once their session would have expired
 * (SESSION_TTL_SECONDS after their last message), and, when CONVERSATION_RETENTION_DAYS is set,
 * every conversation that many days after its last message. Returns how many went.
 */
export async function expireConversations(
  env: Pick<Env, "DB" | "CONVERSATION_RETENTION_DAYS" | "SESSION_TTL_SECONDS">,
  db: Db,
  now = Date.now(),
): Promise<{ temporary: number; retention: number }> {
  const temporary = await runBatch(env.DB, expireConversationsQueries(db, temporaryCutoff(env, now), true));
  const days = conversationRetentionDays(env);
  const retention =
    days === undefined
      ? []
      : await runBatch(env.DB, expireConversationsQueries(db, cutoff(now, days * 86_400_000), false));
  const deleted = (results: { meta: { changes?: number } }[]) => Number(results[1]?.meta.changes ?? 0);
  return { temporary: deleted(temporary), retention: deleted(retention) };
}
