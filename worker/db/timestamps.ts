import type { Timestamp } from "./database";

let last = 0;

/**
 * Now as SQLite DATETIME text with milliseconds. Strictly increasing within an isolate, so rows
 * written by one worker instance in the same millisecond still list newest first; it sorts
 * correctly against CURRENT_TIMESTAMP values (`... 12:00:00` < `... 12:00:00.001`).
 */
export function nowTimestamp(): Timestamp {
  last = Math.max(Date.now(), last + 1);
  return new Date(last).toISOString().replace("T", " ").replace("Z", "");
}

/** SQLite DATETIME text (UTC) as ISO 8601; anything else is passed through unchanged. */
export function toIso(value: Timestamp): string;
export function toIso(value: Timestamp | null): string | null;
export function toIso(value: Timestamp | null): string | null {
  if (value === null) return null;
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value) ? `${value.replace(" ", "T")}Z` : value;
}

/**
 * ISO 8601 in UTC (what toIso gives, and what other tools wrote) as SQLite DATETIME text: the
 * inverse of toIso, so a backup's timestamps are stored as they were read.
 */
export function fromIso(value: string): Timestamp;
export function fromIso(value: string | null): Timestamp | null;
export function fromIso(value: string | null): Timestamp | null {
  if (value === null) return null;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$/.exec(value);
  return match ? `${match[1]} ${match[2]}` : value;
}
