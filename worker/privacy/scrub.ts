import type { D1Database } from "@cloudflare/workers-types/index";
import { emptyScrubQuery, fillScrubQuery, maxScrubBytes } from "../db/scrub-queries";

/** SQLite's write-ahead log is checkpointed once it holds 1,000 pages (4 MiB): it can be that much longer. */
const logMarginBytes = 4 * 1024 * 1024;

/**
 * Writes over the write-ahead log after an erase, where earlier versions of the erased pages still
 * are: SQLite writes the log from its start again only after a checkpoint, and never shortens the
 * file. Two passes, each one statement (one transaction) of zeros as large as the database plus the
 * log's checkpoint threshold, then emptied: the first is sure to be checkpointed (copied into the
 * database file), the second then starts the log from the beginning and covers all of it (one
 * transaction is never larger than the database, so neither was any earlier one). Returns the bytes
 * written.
 */
export async function overwriteLog(d1: D1Database, databaseBytes: number): Promise<number> {
  const bytes = Math.min(databaseBytes, maxScrubBytes) + logMarginBytes;
  for (let pass = 0; pass < 2; pass++) {
    await fillScrubQuery(d1, bytes).run();
    await emptyScrubQuery(d1).run();
  }
  return 2 * bytes;
}
