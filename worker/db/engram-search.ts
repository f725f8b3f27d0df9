import { sql } from "kysely";
import type { Db } from "./database";
import { engramColumns, type EngramRow } from "./engram-queries";

export interface EngramSearch {
  /** An FTS5 MATCH expression built by `ftsMatchExpression`, never raw user text. */
  match: string;
  agent?: string;
  contextId?: string;
  limit: number;
}

export type ScoredEngramRow = EngramRow & { score: number };

/**
 * Full-text search within an agent (and a context), joined to the engrams: FTS5 yields the matching
 * rowids, each is joined to its engram by rowid, and the LIMIT bounds the result: rows read grow
 * with the number of matches, never with the size of the table. `score` is -bm25 (higher is better).
 * Recall's own full-text queries are in engram-recall-queries.ts.
 */
export function searchEngramsQuery(db: Db, search: EngramSearch) {
  let query = db
    .selectFrom("engrams_fts")
    .innerJoin("engrams", "engrams.rowid", "engrams_fts.rowid")
    .select(engramColumns.map((column) => `engrams.${column}` as const))
    .select(sql<number>`-bm25(engrams_fts)`.as("score"))
    .where("engrams_fts.engrams_fts", "match", search.match);
  if (search.agent !== undefined) query = query.where("engrams.agent", "=", search.agent);
  if (search.contextId !== undefined) query = query.where("engrams.context_id", "=", search.contextId);
  return query.orderBy("score", "desc").limit(search.limit);
}
