import type { Db } from "../db/database";
import { touchEngrams, type EngramRow } from "../db/engram-queries";
import { searchEngrams } from "../db/engram-search";
import { ftsMatchExpression } from "../memory/fts-query";

/** Memories recalled per chat message. */
export const recallLimit = 5;

/** The memories most relevant to a message (full-text for now), marked as accessed. */
export async function recallForMessage(db: Db, agent: string, message: string): Promise<EngramRow[]> {
  const match = ftsMatchExpression(message);
  if (match === undefined) return [];
  const rows = await searchEngrams(db, { match, agent, limit: recallLimit });
  await touchEngrams(
    db,
    rows.map((row) => row.id),
  );
  return rows;
}
