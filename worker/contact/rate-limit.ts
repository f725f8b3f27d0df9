import type { D1Database } from "@cloudflare/workers-types/index";
import {
  countContactAttemptQuery,
  countInboxMessageQuery,
  expireContactsQuery,
  expireContactWindowsQuery,
} from "../db/contact-queries";
import type { Db } from "../db/database";
import { runBatch } from "../db/batch";
import { contactWindows, type ContactSettings } from "./contact-settings";
import { retentionCutoff } from "./retention";

/**
 * A message refused because a window is full: its caller's (`caller`) or the whole inbox's hour
 * (`inbox`). `retryAfterSeconds` is what is left of that window. The http layer answers 429 with
 * Retry-After (worker/http/error-mapper.ts).
 */
export class ContactLimitReached extends Error {
  constructor(
    readonly limit: "caller" | "inbox",
    readonly retryAfterSeconds: number,
  ) {
    super(`the ${limit} window is full`);
    this.name = "ContactLimitReached";
  }
}

/**
 * Who is calling: the address in CF-Connecting-IP. Deployed, Cloudflare sets it at its edge (any
 * value a client sent is replaced); locally, `npm start`'s listener sets it from the socket
 * (cli/local-front.ts). Kept only as a SHA-256.
 */
export async function callerId(request: Request): Promise<string> {
  return sha256Hex(request.headers.get("cf-connecting-ip") ?? "unknown");
}

/**
 * Counts this message against its caller's window and, only when the caller is within its limit,
 * against the inbox's hourly cap: one caller's flood fills its own window, never everyone's. Both
 * counts, the expiry of finished windows and of messages past their retention run in one batch (one
 * transaction), so concurrent messages are counted exactly. Refuses with ContactLimitReached.
 */
export async function takeContactSlot(
  db: Db,
  d1: D1Database,
  request: Request,
  settings: ContactSettings,
  now = Date.now(),
): Promise<void> {
  const seconds = Math.floor(now / 1000);
  const callerWindow = seconds - (seconds % contactWindows.callerSeconds);
  const inboxWindow = seconds - (seconds % contactWindows.inboxSeconds);
  const caller = await callerId(request);
  const [counted, inbox] = await runBatch(d1, [
    countContactAttemptQuery(db, caller, callerWindow),
    countInboxMessageQuery(db, inboxWindow, { caller, window: callerWindow, limit: settings.callerLimit }),
    expireContactWindowsQuery(db, inboxWindow),
    expireContactsQuery(db, retentionCutoff(settings, now)),
  ]);
  const callerCount = Number(counted?.results[0]?.["count"] ?? 0);
  if (callerCount > settings.callerLimit) {
    throw new ContactLimitReached("caller", callerWindow + contactWindows.callerSeconds - seconds);
  }
  const inboxCount = Number(inbox?.results[0]?.["count"] ?? 0);
  if (inboxCount > settings.hourlyCap) {
    throw new ContactLimitReached("inbox", inboxWindow + contactWindows.inboxSeconds - seconds);
  }
}

async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
