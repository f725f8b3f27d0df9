import type { KVNamespace } from "@cloudflare/workers-types/index";
import * as z from "zod/mini";
import type { Env } from "../env";
import { sessionIdSchema, sessionMessageSchema, type SessionMessageInput } from "../schemas/session";
import { InvalidSessionInput, UnknownSessionCursor } from "./session-errors";

/**
 * Short-term conversation state in KV. Every write sets `expirationTtl`, so a session lives
 * SESSION_TTL_SECONDS after its last message and then disappears without a cleanup job.
 */
export const sessionLimits = {
  /** Messages kept per session; older ones are dropped first. */
  maxMessages: 50,
  /** Bytes of the stored JSON; older messages are dropped until it fits. */
  maxBytes: 64 * 1024,
  /** Characters kept of one message (4 bytes each at worst, so one message always fits). */
  maxMessageChars: 8_000,
  defaultTtlSeconds: 86_400,
  /** KV's own minimum expirationTtl. */
  minTtlSeconds: 60,
} as const;

const keyPrefix = "session:";

export interface SessionMessage {
  /** The conversation message this turn is (conversation_messages.id), so the cache can be checked against the path. */
  id?: string;
  role: SessionMessageInput["role"];
  content: string;
  at: string;
  /** Present when the content was cut to `maxMessageChars`. */
  truncated?: true;
}

export interface Session {
  id: string;
  created_at: string;
  updated_at: string;
  messages: SessionMessage[];
}

/** Kept as KV metadata so listing needs no value reads. */
interface SessionMetadata {
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface SessionSummary extends SessionMetadata {
  id: string;
  /** When KV will drop the session (ISO 8601). */
  expires_at: string | null;
}

type SessionEnv = Pick<Env, "SESSION" | "SESSION_TTL_SECONDS">;

export function sessionTtlSeconds(env: Pick<Env, "SESSION_TTL_SECONDS">): number {
  const configured = Number(env.SESSION_TTL_SECONDS);
  if (!Number.isInteger(configured) || configured <= 0) return sessionLimits.defaultTtlSeconds;
  return Math.max(sessionLimits.minTtlSeconds, configured);
}

/**
 * Appends a message (validated; content cut to the per-message cap), keeps the newest messages
 * within both caps, and rewrites the session with a fresh TTL. Used by chat.
 */
export async function appendToSession(
  env: SessionEnv,
  sessionId: string,
  message: SessionMessageInput,
): Promise<Session> {
  const id = checked(sessionIdSchema, sessionId, "session_id");
  const input = checked(sessionMessageSchema, message, "body");
  const now = new Date().toISOString();
  const session = (await getSession(env, id)) ?? { id, created_at: now, updated_at: now, messages: [] };
  session.messages.push(cachedTurn({ ...input, at: now }));
  session.updated_at = now;
  await writeSession(env, capped(session));
  return session;
}

/** One turn as the cache keeps it: content cut to the per-message cap. */
function cachedTurn(turn: { id?: string; role: SessionMessage["role"]; content: string; at: string }): SessionMessage {
  const truncated = turn.content.length > sessionLimits.maxMessageChars;
  return {
    ...(turn.id !== undefined && { id: turn.id }),
    role: turn.role,
    content: truncated ? turn.content.slice(0, sessionLimits.maxMessageChars) : turn.content,
    at: turn.at,
    ...(truncated && { truncated: true as const }),
  };
}

/** The newest messages within both caps. */
function capped(session: Session): Session {
  session.messages = session.messages.slice(-sessionLimits.maxMessages);
  while (session.messages.length > 1 && byteLength(JSON.stringify(session)) > sessionLimits.maxBytes) {
    session.messages.shift();
  }
  return session;
}

/**
 * Replaces the session's turns with `turns` (the recent path of its conversation, oldest first),
 * within the caps, with a fresh TTL: the hot cache a prompt is built from. Used by chat, which
 * keeps the conversation itself in D1.
 */
export async function cacheSessionTurns(
  env: SessionEnv,
  sessionId: string,
  turns: { id: string; role: "user" | "assistant"; content: string; at: string }[],
  createdAt?: string,
): Promise<Session> {
  const id = checked(sessionIdSchema, sessionId, "session_id");
  const now = new Date().toISOString();
  const session = capped({
    id,
    created_at: createdAt ?? now,
    updated_at: now,
    messages: turns.filter((turn) => turn.content !== "").map(cachedTurn),
  });
  await writeSession(env, session);
  return session;
}

export async function getSession(env: Pick<Env, "SESSION">, id: string): Promise<Session | null> {
  return env.SESSION.get<Session>(keyPrefix + id, "json");
}

export async function listSessions(
  env: Pick<Env, "SESSION">,
  options: { limit: number; cursor?: string },
): Promise<{ sessions: SessionSummary[]; next_cursor: string | null }> {
  const page = await env.SESSION.list<SessionMetadata>({
    prefix: keyPrefix,
    limit: options.limit,
    cursor: options.cursor ?? null,
  }).catch((error: unknown) => {
    // KV refuses a cursor it did not issue; that is the caller's mistake, not the worker's.
    throw options.cursor === undefined ? error : new UnknownSessionCursor(error);
  });
  const sessions = page.keys.map((key) => ({
    id: key.name.slice(keyPrefix.length),
    created_at: key.metadata?.created_at ?? "",
    updated_at: key.metadata?.updated_at ?? "",
    message_count: key.metadata?.message_count ?? 0,
    expires_at: key.expiration === undefined ? null : new Date(key.expiration * 1000).toISOString(),
  }));
  // KV lists keys in name order; each page is sorted newest first.
  sessions.sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0));
  return { sessions, next_cursor: page.list_complete ? null : page.cursor };
}

/** Every session with its messages (export). */
export async function readAllSessions(env: Pick<Env, "SESSION">): Promise<Session[]> {
  const sessions: Session[] = [];
  for (const names of await allKeyPages(env.SESSION)) {
    const values = await Promise.all(names.map((name) => env.SESSION.get<Session>(name, "json")));
    sessions.push(...values.filter((value): value is Session => value !== null));
  }
  return sessions;
}

export async function deleteSession(env: Pick<Env, "SESSION">, id: string): Promise<boolean> {
  const key = keyPrefix + id;
  if ((await env.SESSION.get(key)) === null) return false;
  await env.SESSION.delete(key);
  return true;
}

/** Deletes every session; returns how many there were. */
export async function deleteAllSessions(env: Pick<Env, "SESSION">): Promise<number> {
  let deleted = 0;
  for (const names of await allKeyPages(env.SESSION)) {
    await Promise.all(names.map((name) => env.SESSION.delete(name)));
    deleted += names.length;
  }
  return deleted;
}

export type RestoreOutcome = "written" | "unchanged" | "expired";

/**
 * Puts back a session from a backup (POST /api/import). A session lives SESSION_TTL_SECONDS after
 * its last message, so it is written with the time it has left (at least KV's minimum), and one
 * whose time has run out is not written at all: a restore does not bring back what the TTL has
 * already removed. A stored session identical to the backup's is left as it is.
 */
export async function restoreSession(env: SessionEnv, session: Session, now = Date.now()): Promise<RestoreOutcome> {
  const ttl = sessionTtlSeconds(env);
  const left = Math.ceil((Date.parse(session.updated_at) + ttl * 1000 - now) / 1000);
  if (!(left > 0)) return "expired";
  const stored = storedForm(session);
  if ((await env.SESSION.get(keyPrefix + session.id)) === JSON.stringify(stored)) return "unchanged";
  await writeSession(env, stored, Math.min(ttl, Math.max(sessionLimits.minTtlSeconds, left)));
  return "written";
}

/** The session with its keys in the order appendToSession writes them. */
function storedForm(session: Session): Session {
  return {
    id: session.id,
    created_at: session.created_at,
    updated_at: session.updated_at,
    messages: session.messages.map((message) => ({
      ...(message.id !== undefined && { id: message.id }),
      role: message.role,
      content: message.content,
      at: message.at,
      ...(message.truncated && { truncated: true as const }),
    })),
  };
}

async function writeSession(env: SessionEnv, session: Session, ttlSeconds = sessionTtlSeconds(env)): Promise<void> {
  const metadata: SessionMetadata = {
    created_at: session.created_at,
    updated_at: session.updated_at,
    message_count: session.messages.length,
  };
  await env.SESSION.put(keyPrefix + session.id, JSON.stringify(session), {
    expirationTtl: ttlSeconds,
    metadata,
  });
}

async function allKeyPages(kv: KVNamespace): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: keyPrefix, cursor: cursor ?? null });
    pages.push(page.keys.map((key) => key.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return pages;
}

/** `input` as `schema` reads it, or an InvalidSessionInput naming it `subject`. */
function checked<S extends z.ZodMiniType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = z.safeParse(schema, input);
  if (!result.success) throw new InvalidSessionInput(subject, result.error.issues, input);
  return result.data;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
