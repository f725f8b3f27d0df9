import type { D1Database } from "@cloudflare/workers-types/index";
import { countContactAttemptQuery, expireContactWindowsQuery } from "../db/contact-queries";
import type { Db } from "../db/database";
import { runBatch } from "../db/batch";
import { HttpError } from "../http/http-error";

/** A fixed window per caller: at most `maxPerWindow` messages every `windowSeconds`. */
export const contactRateLimit = { windowSeconds: 600, maxPerWindow: 5 } as const;

/**
 * Counts this request against its caller (Cloudflare's CF-Connecting-IP, stored only as a
 * SHA-256) and refuses with 429 and Retry-After once the window is full. The count and the
 * expiry of finished windows run in one batch.
 */
export async function takeContactSlot(db: Db, d1: D1Database, request: Request, now = Date.now()): Promise<void> {
  const seconds = Math.floor(now / 1000);
  const windowStart = seconds - (seconds % contactRateLimit.windowSeconds);
  const caller = await sha256Hex(request.headers.get("cf-connecting-ip") ?? "unknown");
  const [counted] = await runBatch(d1, [
    countContactAttemptQuery(db, caller, windowStart),
    expireContactWindowsQuery(db, windowStart),
  ]);
  const count = Number(counted?.results[0]?.["count"] ?? 0);
  if (count > contactRateLimit.maxPerWindow) {
    const retryAfter = windowStart + contactRateLimit.windowSeconds - seconds;
    throw new HttpError(429, "rate_limited", "Too many messages from this caller; try again later.", undefined, {
      "retry-after": String(retryAfter),
    });
  }
}

async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
