import { sql } from "kysely";
import type { Db, Timestamp } from "./database";
import { byRowidStatements } from "./engram-recall-queries";

/**
 * Queries over engram_vectors and its change log (schema/0003_memory_vectors.sql). A scope is one
 * agent, or null for every agent (the Mirror search without `agent_filter`). BLOBs are read through
 * `hex()`: D1 hands a BLOB over as an array of numbers, about ten times slower in bulk.
 */

/** A stored vector as a scan needs it. `q8` is absent when the caller did not ask for it. */
export interface VectorRow {
  engram_rowid: number;
  dims: number | null;
  bits: string | null;
  q8?: string | null;
  scale: number | null;
  importance: number | null;
  updated_at: Timestamp | null;
}

/** The last change applied anywhere, and the floor below which the log was deleted. */
export function changeLogStateQuery(db: Db) {
  return db
    .selectFrom("memory_change_floor")
    .select((eb) => [
      "seq as floor",
      eb
        .selectFrom("memory_changes")
        .select((inner) => inner.fn.max("seq").as("latest"))
        .as("latest"),
    ])
    .where("id", "=", 1);
}

/** Changes after `since` in the scope, oldest first; `limit` bounds what a sync applies. */
export function changesSinceQuery(db: Db, agent: string | null, since: number, limit: number) {
  let query = db.selectFrom("memory_changes").select(["seq", "engram_rowid"]).where("seq", ">", since);
  if (agent !== null) query = query.where("agent", "=", agent);
  return query.orderBy("seq").limit(limit);
}

/** The scope's latest `limit` changes, newest first (an isolate without the set, loading a snapshot). */
export function latestChangesQuery(db: Db, agent: string | null, limit: number) {
  let query = db.selectFrom("memory_changes").select(["seq", "engram_rowid"]);
  if (agent !== null) query = query.where("agent", "=", agent);
  return query.orderBy("seq", "desc").limit(limit);
}

function vectorColumns(db: Db, withQ8: boolean) {
  const base = db
    .selectFrom("engram_vectors")
    .select(["engram_rowid", "dims", sql<string | null>`hex(bits)`.as("bits"), "scale", "importance", "updated_at"]);
  return withQ8 ? base.select(sql<string | null>`hex(q8)`.as("q8")) : base;
}

/**
 * The scope's first and last rowid of `model`: at most last - first + 1 vectors. Two subqueries, as
 * SQLite answers a lone min() or max() from the index end (one row) but scans for both at once.
 */
export function vectorRangeQuery(db: Db, agent: string | null, model: string) {
  const scope = () => {
    const query = db.selectFrom("engram_vectors").where("model", "=", model);
    return agent === null ? query : query.where("agent", "=", agent);
  };
  return db.selectNoFrom([
    scope()
      .select((eb) => eb.fn.min("engram_rowid").as("first"))
      .as("first"),
    scope()
      .select((eb) => eb.fn.max("engram_rowid").as("last"))
      .as("last"),
  ]);
}

/** One page of the scope's vectors of `model`, in rowid order after `after` (the cold load). */
export function vectorPageQuery(
  db: Db,
  page: { agent: string | null; model: string; after: number; limit: number; withQ8: boolean },
) {
  let query = vectorColumns(db, page.withQ8).where("model", "=", page.model);
  if (page.agent !== null) query = query.where("agent", "=", page.agent);
  return query.where("engram_rowid", ">", page.after).orderBy("engram_rowid").limit(page.limit);
}

/**
 * The hex digits of each engram's record in a sign page's `records` (big-endian): its rowid, its
 * importance clamped to [0, 1] in 65,535ths, its update time in milliseconds since 1970 (0 when
 * unknown).
 */
export const signRecordDigits = { rowid: 12, importance: 4, updated: 12 } as const;
const signRecordFormat = `%0${signRecordDigits.rowid}x%0${signRecordDigits.importance}x%0${signRecordDigits.updated}x`;

/**
 * One page of the scope's sign bits of `model` after `after`, as ONE row: the engrams' records
 * (signRecordDigits) end to end as one hex string and their sign bits as another, in rowid order. A
 * cold load of sign bits first decodes two long strings in WebAssembly instead of parsing an object,
 * or a list item, per engram (D1 hands answers over as JSON), which was most of its CPU. Only rows
 * whose bits are of their dims' size are taken; `dimsLow`/`dimsHigh` tell the caller whether the
 * page holds one size (else it reads the page row by row). D1 keeps a string under 2 MB: the caller
 * sizes `limit` for that.
 */
export function signPageQuery(db: Db, page: { agent: string | null; model: string; after: number; limit: number }) {
  let rows = db
    .selectFrom("engram_vectors")
    .select([
      "engram_rowid",
      "dims",
      "bits",
      sql<number>`cast(round(max(0.0, min(1.0, coalesce(importance, 0.5))) * 65535) AS INTEGER)`.as("importance"),
      sql<number>`max(0, coalesce(cast(round((julianday(updated_at) - 2440587.5) * 86400000.0) AS INTEGER), 0))`.as(
        "updated",
      ),
    ])
    .where("model", "=", page.model)
    .where("dims", ">", 0)
    .where(sql<boolean>`length(cast(bits AS BLOB)) = ((dims + 31) / 32) * 4`);
  if (page.agent !== null) rows = rows.where("agent", "=", page.agent);
  const inner = rows.where("engram_rowid", ">", page.after).orderBy("engram_rowid").limit(page.limit);
  return db
    .selectFrom(inner.as("page"))
    .select([
      sql<number>`count(*)`.as("count"),
      sql<number | null>`max(engram_rowid)`.as("last"),
      sql<number | null>`min(dims)`.as("dimsLow"),
      sql<number | null>`max(dims)`.as("dimsHigh"),
      sql<string | null>`group_concat(printf(${sql.lit(signRecordFormat)}, engram_rowid, importance, updated), '')`.as(
        "records",
      ),
      sql<string | null>`group_concat(hex(bits), '')`.as("bits"),
    ]);
}

/** One page of the scope's int8 vectors of `model` after `after` (a set loaded sign bits first fills in). */
export function q8PageQuery(db: Db, page: { agent: string | null; model: string; after: number; limit: number }) {
  let query = db
    .selectFrom("engram_vectors")
    .select(["engram_rowid", sql<string | null>`hex(q8)`.as("q8")])
    .where("model", "=", page.model);
  if (page.agent !== null) query = query.where("agent", "=", page.agent);
  return query.where("engram_rowid", ">", page.after).orderBy("engram_rowid").limit(page.limit);
}

/** The current rows of changed engrams (at most ~90: D1 binds 100 parameters). */
export function vectorsByRowidQuery(db: Db, rowids: readonly number[], withQ8: boolean) {
  return vectorColumns(db, withQ8)
    .select(["agent", "model"])
    .where("engram_rowid", "in", rowids as number[]);
}

/** The int8 vectors of re-ranking candidates (see byRowidStatements). */
export function q8ByRowidQueries(db: Db, rowids: readonly number[]) {
  const columns = db
    .selectFrom("engram_vectors")
    .select(["engram_rowid", sql<string | null>`hex(q8)`.as("q8"), "model"]);
  return byRowidStatements(
    rowids,
    (rowid) => columns.where("engram_rowid", "=", rowid),
    (some) => columns.where("engram_rowid", "in", some),
  );
}

/**
 * Stores an engram's vector. `engramId` finds the row (the rowid is only known once the insert ran,
 * in the same batch); `expectUpdatedAt` skips a row whose engram changed since its text was read.
 */
export function storeVectorQuery(
  db: Db,
  vector: {
    engramId: string;
    model: string;
    dims: number;
    bits: Uint8Array;
    q8: Uint8Array;
    scale: number;
    at: Timestamp;
    expectUpdatedAt?: Timestamp | null;
  },
) {
  let query = db
    .updateTable("engram_vectors")
    .set({
      model: vector.model,
      dims: vector.dims,
      bits: vector.bits,
      q8: vector.q8,
      scale: vector.scale,
      embedded_at: vector.at,
    })
    .where("engram_rowid", "=", (eb) =>
      eb.selectFrom("engrams").select("engrams.rowid").where("engrams.id", "=", vector.engramId),
    );
  if (vector.expectUpdatedAt !== undefined) query = query.where("updated_at", "is", vector.expectUpdatedAt);
  return query;
}

/**
 * Engrams whose vector is not of `model` (stale, or never embedded), with their text: `side` picks
 * the models sorting before or after it, so each is one index range and finding none reads nothing.
 */
export function staleVectorsQuery(db: Db, model: string, side: "<" | ">", limit: number) {
  return db
    .selectFrom("engram_vectors as v")
    .innerJoin("engrams as e", "e.rowid", "v.engram_rowid")
    .select(["e.id as id", "e.text as text", "v.updated_at as updated_at"])
    .where("v.model", side, model)
    .limit(limit);
}

/** Deletes changes up to `seq` and raises the floor to it: older copies reload in full. */
export function pruneChangesQueries(db: Db, seq: number) {
  return [
    db.deleteFrom("memory_changes").where("seq", "<=", seq),
    db
      .updateTable("memory_change_floor")
      .set((eb) => ({ seq: sql<number>`max(${eb.ref("seq")}, ${seq})` }))
      .where("id", "=", 1),
  ] as const;
}

/** After an erase: the log goes (it names agents), and every copy in memory reloads. */
export function clearChangesQueries(db: Db) {
  return [
    db
      .updateTable("memory_change_floor")
      .set((eb) => ({
        seq: sql<number>`max(${eb.ref("seq")}, coalesce((SELECT max(seq) FROM memory_changes), 0))`,
      }))
      .where("id", "=", 1),
    db.deleteFrom("memory_changes"),
  ] as const;
}
