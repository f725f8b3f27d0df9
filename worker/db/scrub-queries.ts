import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types/index";

/** One filler row: well under D1's 2 MB limit on a row. */
const chunkBytes = 1024 * 1024;

/**
 * The most the fill writes in one statement (D1 stops a query after 30 s): a larger database has
 * only this much of what it freed written over (docs/security.md).
 */
export const maxScrubBytes = 256 * 1024 * 1024;

/**
 * Fills erase_scrub (schema/0006) with at least `bytes` of zeros, in one statement. SQLite takes
 * the pages of its free list before it grows the file, so every page freed before (a dropped
 * table's) is written over.
 */
export function fillScrubQuery(d1: D1Database, bytes: number): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO erase_scrub (filler)
       WITH RECURSIVE chunk(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM chunk WHERE n < ?)
       SELECT zeroblob(?) FROM chunk`,
    )
    .bind(Math.max(1, Math.ceil(bytes / chunkBytes)), chunkBytes);
}

/** Empties erase_scrub: its pages, zeros now, go back to the free list. */
export function emptyScrubQuery(d1: D1Database): D1PreparedStatement {
  return d1.prepare("DELETE FROM erase_scrub");
}
