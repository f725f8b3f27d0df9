import { sql, type CompiledQuery, type Compilable, type RawBuilder } from "kysely";
import type { SelectQueryBuilder } from "kysely";
import type { Database, Db, Timestamp } from "./database";
import { engramColumns, type EngramRow } from "./engram-queries";

/** D1 binds at most 100 parameters per statement; lists of rowids are cut below that. */
export const maxRowidsPerStatement = 90;
/** D1 allows five terms in a compound SELECT. */
const maxUnionTerms = 5;
/** Up to this many rows are read one indexed row each (UNION ALL of five); more as `IN` lists (two rows each). */
const maxSingleReads = 25;

/** At most this many single-row touches; more go as one `IN` statement (D1 counts statements too). */
const maxSingleTouches = 12;

export type RowidEngramRow = EngramRow & { rowid: number };

/**
 * The best full-text matches of every agent, by bm25 (FTS5's `rank`), best first, with their
 * engrams: FTS5 ranks its matches inside the subquery, so D1 counts the rows returned (an index
 * entry and an engram each), not every match. Ranking still visits every match, so a word found in
 * more than `maxDocuments` engrams (a common word: bm25 gives it little weight anyway) is left out,
 * its document count read from the FTS index's vocabulary in the same statement (one row a word).
 * `terms` are FTS5 tokens (lower case, no diacritics), at most six; when none is rare enough nothing
 * matches. Which agent each match belongs to is the caller's to check.
 */
export function textCandidatesQuery(db: Db, terms: readonly string[], maxDocuments: number, limit: number) {
  // D1 allows five terms in a compound SELECT: the lookups go in groups of three.
  const groups: RawBuilder<unknown>[] = [];
  for (let start = 0; start < terms.length; start += 3) {
    const lookups = terms
      .slice(start, start + 3)
      .map((term) => sql`SELECT term, doc FROM engrams_fts_vocab WHERE term = ${term}`);
    groups.push(sql`SELECT * FROM (${sql.join(lookups, sql` UNION ALL `)})`);
  }
  const hits = sql`SELECT rowid, rank FROM engrams_fts WHERE engrams_fts MATCH (
    SELECT coalesce(group_concat('"' || replace(term, '"', '""') || '"', ' OR '), ${neverMatches})
    FROM (${sql.join(groups, sql` UNION ALL `)}) WHERE doc <= ${maxDocuments}
  ) ORDER BY rank LIMIT ${limit}`;
  const query = sql<RowidEngramRow>`SELECT ${sql.join(engramColumns.map((column) => sql.ref(`engrams.${column}`)))},
    engrams.rowid AS rowid FROM (${hits}) AS hits JOIN engrams ON engrams.rowid = hits.rowid ORDER BY hits.rank`;
  return compilable(db, query);
}

/** A valid FTS5 query that matches nothing ("x" and not "x"). */
const neverMatches = '"x" NOT "x"';

/** A raw statement as kysely's Compilable, so it runs in a QueryMeter batch with the others. */
function compilable<Row>(db: Db, query: RawBuilder<Row>): Compilable<Row> {
  return { compile: () => query.compile(db) as CompiledQuery<Row> };
}

/**
 * The same within an agent (and a context): the join to engrams comes first, so it reads every
 * match. Used for a context's search, and when other agents' matches crowd the cheap query above.
 */
export function scopedTextCandidatesQuery(
  db: Db,
  scope: { match: string; agent: string | null; contextId?: string; limit: number },
) {
  let query = db
    .selectFrom("engrams_fts")
    .innerJoin("engrams", "engrams.rowid", "engrams_fts.rowid")
    .select([...engramColumns.map((column) => `engrams.${column}` as const), "engrams.rowid as rowid"])
    .where("engrams_fts.engrams_fts", "match", scope.match);
  if (scope.agent !== null) query = query.where("engrams.agent", "=", scope.agent);
  if (scope.contextId !== undefined) query = query.where("engrams.context_id", "=", scope.contextId);
  return query.orderBy(sql`bm25(engrams_fts)`).limit(scope.limit);
}

/** The rowids of a context's engrams (a context search scores only those vectors). */
export function contextRowidsQuery(db: Db, agent: string | null, contextId: string, limit: number) {
  let query = db.selectFrom("engrams").select("rowid").where("context_id", "=", contextId);
  if (agent !== null) query = query.where("agent", "=", agent);
  return query.limit(limit);
}

/**
 * Statements reading rows by rowid: a few as single-row reads (one row read each, five joined by
 * UNION ALL, D1's limit), more as `IN` lists (two rows read each, fewer statements: D1 also limits
 * statements per request).
 */
export function byRowidStatements<O>(
  rowids: readonly number[],
  one: (rowid: number) => RowQuery<O>,
  many: (rowids: number[]) => RowQuery<O>,
): RowQuery<O>[] {
  const statements: RowQuery<O>[] = [];
  if (rowids.length <= maxSingleReads) {
    for (let start = 0; start < rowids.length; start += maxUnionTerms) {
      const group = rowids.slice(start, start + maxUnionTerms);
      statements.push(group.slice(1).reduce((query, rowid) => query.unionAll(one(rowid)), one(group[0]!)));
    }
    return statements;
  }
  for (let start = 0; start < rowids.length; start += maxRowidsPerStatement) {
    statements.push(many(rowids.slice(start, start + maxRowidsPerStatement)));
  }
  return statements;
}

/** A read of some table with output O (the helper only joins reads with UNION ALL or cuts lists). */
type RowQuery<O> = SelectQueryBuilder<Database, any, O>;

/** Engrams by rowid (see byRowidStatements). */
export function engramsByRowidQueries(db: Db, rowids: readonly number[]) {
  const columns = db.selectFrom("engrams").select([...engramColumns, "rowid"]);
  return byRowidStatements(
    rowids,
    (rowid) => columns.where("rowid", "=", rowid),
    (some) => columns.where("rowid", "in", some),
  );
}

/**
 * Records that engrams were recalled. A few go as single-row updates (one row read each, where an
 * `IN` list reads two); more go as one statement, so a large page stays within D1's statements.
 * `agent` and `contextId` repeat recall's filter, so only what recall returns is touched.
 */
export function touchByRowidQueries(
  db: Db,
  rowids: readonly number[],
  at: Timestamp,
  filter: { agent: string | null; contextId?: string },
) {
  const touch = () => {
    let query = db.updateTable("engrams").set({ accessed_at: at });
    if (filter.agent !== null) query = query.where("agent", "=", filter.agent);
    if (filter.contextId !== undefined) query = query.where("context_id", "=", filter.contextId);
    return query;
  };
  if (rowids.length <= maxSingleTouches) return rowids.map((rowid) => touch().where("rowid", "=", rowid));
  const statements = [];
  for (let start = 0; start < rowids.length; start += maxRowidsPerStatement) {
    statements.push(touch().where("rowid", "in", rowids.slice(start, start + maxRowidsPerStatement) as number[]));
  }
  return statements;
}
