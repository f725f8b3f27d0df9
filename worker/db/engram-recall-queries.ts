import { sql, type CompiledQuery, type Compilable, type RawBuilder } from "kysely";
import type { SelectQueryBuilder } from "kysely";
import type { Database, Db, Timestamp } from "./database";
import { engramColumns, type EngramRow } from "./engram-queries";
import { quote, type QueryTerm } from "../memory/fts-query";

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
 * The best full-text matches of a scope by bm25 (FTS5's `rank`) over the stemmed index, best
 * first, with their engrams, in one statement:
 *
 * - Each looked-up word's document count is read from the index's vocabulary (one row a word).
 *   The rare words find the candidates: each word in at most `maxCandidates` engrams (and the
 *   rarest word always, whatever its count). When that leaves words out, the expression is
 *   `(rare OR ...) AND (every word OR ...)`: the candidates
 *   are the engrams holding a rare word, and bm25 ranks them by every word of the query, common
 *   ones included (FTS5 reaches a common word's entries for these candidates only, by seeking).
 *   With every word rare enough it is a plain OR of them all. `rest` (words whose counts were not
 *   read) only rank.
 * - FTS5 ranks the candidates inside the subquery; the engrams are joined in rank order (CROSS
 *   JOIN keeps that order) and the scope is checked on each, until `limit` are found: D1 counts
 *   the rows pulled (an index entry and an engram each), not every candidate ranked.
 *
 * `terms` are QueryTerms (the stem finds the vocabulary row, the word goes into MATCH, where FTS5
 * stems it itself). Without any word in the index nothing matches.
 */
export function textCandidatesQuery(
  db: Db,
  search: {
    terms: readonly QueryTerm[];
    rest: readonly QueryTerm[];
    maxCandidates: number;
    agent: string | null;
    contextId?: string;
    limit: number;
    /** Candidates pulled at most while looking for `limit` in scope. */
    deep: number;
  },
) {
  const query = sql<
    RowidEngramRow & { rank: number }
  >`SELECT ${sql.join(engramColumns.map((column) => sql.ref(`engrams.${column}`)))},
    engrams.rowid AS rowid, hits.rank AS rank
    FROM (SELECT rowid, rank FROM engrams_fts_porter WHERE engrams_fts_porter MATCH (${matchExpression(search)})
      ORDER BY rank LIMIT ${search.deep}) AS hits
    CROSS JOIN engrams ON engrams.rowid = hits.rowid
    WHERE ${scopeCondition(search)}
    LIMIT ${search.limit}`;
  return compilable(db, query);
}

/**
 * The MATCH expression, chosen inside the statement from the vocabulary's counts in one aggregate
 * pass (D1 counts the rows of every layer: no window functions, no sort).
 */
function matchExpression(search: { terms: readonly QueryTerm[]; rest: readonly QueryTerm[]; maxCandidates: number }) {
  const rest = search.rest.map((term) => ` OR ${quote(term.word)}`).join("");
  const restAlone = search.rest.length === 0 ? neverMatches : search.rest.map((term) => quote(term.word)).join(" OR ");
  if (search.terms.length === 0) return sql`${restAlone}`;
  // D1 allows five terms in a compound SELECT: the lookups go in groups of three.
  const groups: RawBuilder<unknown>[] = [];
  for (let start = 0; start < search.terms.length; start += 3) {
    const lookups = search.terms
      .slice(start, start + 3)
      .map((term) => sql`SELECT ${quote(term.word)} AS q, doc FROM engrams_fts_porter_vocab WHERE term = ${term.stem}`);
    groups.push(sql`SELECT * FROM (${sql.join(lookups, sql` UNION ALL `)})`);
  }
  const rare = sql`doc <= ${search.maxCandidates}`;
  // SQLite gives a bare column beside min() the values of the row with the minimum: `q` is the rarest word.
  const counts = sql`SELECT min(doc) AS least, q AS rarest, count(*) AS words, sum(${rare}) AS rare_words,
    group_concat(CASE WHEN ${rare} THEN q END, ' OR ') AS rare, group_concat(q, ' OR ') AS every
    FROM (${sql.join(groups, sql` UNION ALL `)})`;
  return sql`SELECT CASE
      WHEN words = 0 THEN ${restAlone}
      WHEN rare_words = words AND ${rest} = '' THEN every
      ELSE '(' || coalesce(rare, rarest) || ') AND (' || every || ${rest} || ')'
    END FROM (${counts})`;
}

function scopeCondition(scope: { agent: string | null; contextId?: string }) {
  const conditions: RawBuilder<unknown>[] = [sql`1`];
  if (scope.agent !== null) conditions.push(sql`engrams.agent = ${scope.agent}`);
  if (scope.contextId !== undefined) conditions.push(sql`engrams.context_id = ${scope.contextId}`);
  return sql.join(conditions, sql` AND `);
}

/** A valid FTS5 query that matches nothing ("x" and not "x"). */
const neverMatches = '"x" NOT "x"';

/** A raw statement as kysely's Compilable, so it runs in a QueryMeter batch with the others. */
function compilable<Row>(db: Db, query: RawBuilder<Row>): Compilable<Row> {
  return { compile: () => query.compile(db) as CompiledQuery<Row> };
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
