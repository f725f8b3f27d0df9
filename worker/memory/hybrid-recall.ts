import type { EngramRow } from "../db/engram-queries";
import { QueryMeter } from "../db/engram-meter";
import {
  contextRowidsQuery,
  engramsByRowidQueries,
  textCandidatesQuery,
  touchByRowidQueries,
  type RowidEngramRow,
} from "../db/engram-recall-queries";
import { nowTimestamp } from "../db/timestamps";
import { lookedUpTerms, queryTerms } from "./fts-query";
import { fuse, type Candidate } from "./fusion";
import { logMemoryFailure, similarityFloor, type Memory } from "./memory-context";
import { cachedVectorSet, currentVectorSet, fillRerankVectors, freshnessQueries } from "./vector-cache";
import { scanQuery, type ScoredSlot } from "./vector-scan";
import { searchVectors } from "./vector-search";
import { timestampMs, type VectorSet } from "./vector-set";

/**
 * Hybrid recall: full-text candidates (FTS5 bm25 over the porter-stemmed index, the query's words
 * picked by rarity: textCandidatesQuery) and vector candidates (cosine at least the model's floor,
 * or Mirror's threshold) fused by reciprocal rank fusion and weighted by importance and recency, as
 * fusion.ts states, with its guard for a lexical embedding; the engrams returned are marked accessed.
 *
 * Rows read by a warm recall: one per looked-up word (at most maxLookedUpTerms, 7) and one for the
 * choice of words, an index entry and an engram per full-text hit in scope (at most `limit`), an
 * engram per vector candidate that can rank (at most `limit`), the change log's state (one or two),
 * and, in the background, one per result marked accessed: at most 4 × limit + 10, whatever the
 * size of the memory (docs/memory.md; a full-text hit of another agent costs two more).
 *
 * Warm (the scope's vectors cached in memory), recall makes one D1 round trip: the query is embedded
 * and scanned first, then one batch asks for the full-text candidates with their engrams, whether the
 * cached vectors are current, and the engrams of the vector candidates that can still rank: the
 * `limit` best by their vector score alone. No others can: an engram's fused score is at least its
 * vector score, so any of them outranks a vector-only candidate of lower vector score. If the cache
 * was not current it is brought up to date, the scan is run again and any engram missing is read in
 * a second round trip. Cold, the query is embedded while D1 answers the same batch.
 *
 * Marking the results accessed is a write the answer need not wait for, and so is reading the int8
 * vectors a set loaded sign bits first still misses: `background` settles when both are done
 * (callers hand it to ctx.waitUntil); a later request sees the write, D1 applying one database's
 * statements in order.
 */

export interface RecallRequest {
  /** One agent's engrams, or null for every agent's (Mirror's search without `agent_filter`). */
  agent: string | null;
  query: string;
  limit: number;
  contextId?: string;
  /**
   * The cosine a vector candidate needs (Mirror's `threshold`); the model's similarity floor when
   * absent. It applies to the vector list only: full-text matches always take part in the fusion.
   */
  vectorThreshold?: number;
  /** The lists to use; both unless the benchmark compares them. */
  use?: { text: boolean; vector: boolean };
  /** The query's vector when the caller has it (the benchmark); else the memory's embedder makes it. */
  queryVector?: Float32Array;
}

export interface RecalledEngram extends EngramRow {
  score: number;
  /** Cosine between the query and the engram, or null when the engram has no vector of the model. */
  similarity: number | null;
  matched: ("text" | "vector")[];
}

export interface RecallTrace {
  model: string;
  /** How the cached vectors were found: current, patched from the change log, or loaded. */
  cache: "warm" | "synced" | "cold" | "unused";
  rowsRead: number;
  statements: number;
  roundTrips: number;
  textCandidates: number;
  vectorCandidates: number;
  /** Milliseconds spent scanning and fusing in the worker (D1 and the embedding call excluded). */
  computeMs: number;
  /** Milliseconds waiting for D1. */
  d1Ms: number;
  /** Of d1Ms, D1's own time running the statements. */
  sqlMs: number;
}

/**
 * A word in more engrams than this does not find candidates (it still ranks them) unless it is the
 * rarest of the query: FTS5 ranks at most this many engrams per looked-up word, whatever the size
 * of the memory, and bm25 weighs such a word little.
 */
export const maxTextCandidates = 1_000;

/** Full-text candidates pulled in rank order at most while looking for a page in scope. */
export const maxTextPulled = 400;

export interface Recall {
  results: RecalledEngram[];
  trace: RecallTrace;
  /**
   * The `accessed_at` update of the results and the fill of a set's missing int8 vectors; resolves
   * to the D1 rows they read. Never rejects.
   */
  background: Promise<number>;
}

export async function recall(memory: Memory, request: RecallRequest): Promise<Recall> {
  const { db, embedder } = memory;
  const meter = new QueryMeter(memory.d1);
  const model = embedder.model;
  const useText = request.use?.text ?? true;
  const useVector = request.use?.vector ?? true;
  const agent = request.agent;
  // Each full-text candidate costs two rows; fusion needs no more than the page asks for.
  const textDepth = request.limit;
  const vectorDepth = Math.max(2 * request.limit, 20);
  const floor = request.vectorThreshold ?? similarityFloor(model);
  // A lexical embedding (the built-in hashing one) finds what full text finds, less well: its
  // vector-only candidates come after every full-text one (fusion.ts, the guard).
  const guard = !embedder.semantic;
  const trace: RecallTrace = {
    model,
    cache: "unused",
    rowsRead: 0,
    statements: 0,
    roundTrips: 0,
    textCandidates: 0,
    vectorCandidates: 0,
    computeMs: 0,
    d1Ms: 0,
    sqlMs: 0,
  };

  const terms = useText ? lookedUpTerms(queryTerms(request.query)) : undefined;
  const cached = cachedVectorSet(agent, model);
  // A context's search scans only the context's engrams, which D1 names: no early scan for it.
  const scanFirst =
    useVector &&
    cached !== undefined &&
    cached.precision !== "bits" &&
    cached.missing === 0 &&
    request.contextId === undefined;
  const vector = useVector
    ? request.queryVector
      ? Promise.resolve(request.queryVector)
      : embedQuery(memory, request.query)
    : undefined;
  const early = scanFirst
    ? await scanEarly(meter, memory, cached, await vector, { vectorDepth, floor, request, guard })
    : undefined;
  if (early) trace.computeMs += early.ms;

  const freshness = useVector ? freshnessQueries(db, agent, model) : undefined;
  const [queryVector, first] = await Promise.all([
    vector,
    meter.runNamed({
      state: freshness?.state,
      changes: freshness?.changes,
      text:
        terms === undefined || terms.looked.length + terms.rest.length === 0
          ? undefined
          : textCandidatesQuery(db, {
              terms: terms.looked,
              rest: terms.rest,
              maxCandidates: maxTextCandidates,
              agent,
              ...optionalContext(request),
              limit: textDepth,
              deep: maxTextPulled,
            }),
      context: request.contextId === undefined ? undefined : contextRowidsQuery(db, agent, request.contextId, 10_000),
      rows: early && early.rowids.length > 0 ? engramsByRowidQueries(db, early.rowids) : undefined,
    }),
  ]);

  let started = performance.now();
  const known = new Map<number, RowidEngramRow>();
  for (const row of first.rows ?? []) known.set(row.rowid, row);
  const candidates = new Map<number, Scored>();
  const textRows = [...(first.text ?? [])].sort((a, b) => a.rank - b.rank);
  for (const { rank: _rank, ...row } of textRows) {
    known.set(row.rowid, row);
    if (!inScope(row, request)) continue;
    candidates.set(row.rowid, {
      rowid: row.rowid,
      textRank: candidates.size + 1,
      importance: row.importance ?? undefined,
      updatedMs: timestampMs(row.updated_at),
    });
  }
  trace.textCandidates = candidates.size;

  let unfilled: VectorSet | undefined;
  if (queryVector) {
    const { set, state } = await currentVectorSet(meter, db, agent, model, {
      state: first.state?.[0],
      changes: first.changes,
    });
    trace.cache = state;
    if (set.missing > 0) unfilled = set;
    started = performance.now();
    const textRowids = [...candidates.keys()];
    let nearest: ScoredSlot[];
    let cosines: Map<number, number>;
    if (early && state === "warm" && set === cached) {
      nearest = early.nearest;
      cosines = cosinesInMemory(set, queryVector, textRowids);
    } else {
      const restrict = first.context?.map((row) => set.slotOf(row.rowid)).filter((slot) => slot >= 0);
      ({ nearest, cosines } = await searchVectors(meter, db, set, queryVector, {
        limit: vectorDepth,
        floor,
        ...(restrict && { restrict }),
        also: textRowids,
      }));
    }
    trace.vectorCandidates = nearest.length;
    nearest.forEach((scored, index) => {
      const candidate = candidates.get(scored.rowid) ?? { rowid: scored.rowid };
      candidates.set(scored.rowid, { ...candidate, vectorRank: index + 1, similarity: scored.cosine });
    });
    addWeights(candidates, set, cosines);
  }

  const ranked = fuse(candidates.values(), Date.now(), { guard });
  trace.computeMs += performance.now() - started;

  const rows = await readBest(
    meter,
    memory,
    request,
    ranked.map((candidate) => candidate.rowid),
    known,
  );
  const results = rows.map((row) => {
    const candidate = candidates.get(row.rowid)!;
    const scored = ranked.find((entry) => entry.rowid === row.rowid)!;
    const { rowid: _rowid, ...engram } = row;
    return {
      ...engram,
      score: scored.score,
      similarity: candidate.similarity === undefined ? null : roundSimilarity(candidate.similarity),
      matched: [
        ...(candidate.textRank !== undefined ? (["text"] as const) : []),
        ...(candidate.vectorRank !== undefined ? (["vector"] as const) : []),
      ],
    };
  });
  trace.rowsRead = meter.rowsRead;
  trace.statements = meter.statements;
  trace.roundTrips = meter.roundTrips;
  trace.d1Ms = meter.waitedMs;
  trace.sqlMs = meter.sqlMs;

  // The rest of a set loaded sign bits first is read after the answer, not ahead of its reads in D1.
  const fill = unfilled ? fillRerankVectors(new QueryMeter(memory.d1), db, unfilled) : 0;
  const background = Promise.all([touch(memory, request, rows), fill]).then(([touched, filled]) => touched + filled);
  return { results, trace, background };
}

/**
 * The scan of a cached set before D1 is asked: its vector candidates, and the rowids of the `limit`
 * best by vector score alone (the only vector candidates that can rank, whatever full text finds).
 */
async function scanEarly(
  meter: QueryMeter,
  memory: Memory,
  set: VectorSet,
  vector: Float32Array | undefined,
  options: { vectorDepth: number; floor: number; request: RecallRequest; guard: boolean },
): Promise<{ nearest: ScoredSlot[]; rowids: number[]; ms: number } | undefined> {
  if (!vector) return undefined;
  const started = performance.now();
  // Precision q8 or 4-bit: answered from memory, no D1 call is made.
  const { nearest } = await searchVectors(meter, memory.db, set, vector, {
    limit: options.vectorDepth,
    floor: options.floor,
  });
  const alone = new Map<number, Scored>(
    nearest.map((scored, index) => [
      scored.rowid,
      { rowid: scored.rowid, vectorRank: index + 1, similarity: scored.cosine },
    ]),
  );
  addWeights(alone, set, new Map());
  const best = fuse(alone.values(), Date.now(), { guard: options.guard }).slice(0, options.request.limit);
  return { nearest, rowids: best.map((candidate) => candidate.rowid), ms: performance.now() - started };
}

/** Cosines of some engrams of a set whose re-rank vectors are in memory. */
function cosinesInMemory(set: VectorSet, vector: Float32Array, rowids: readonly number[]): Map<number, number> {
  const { unit } = scanQuery(vector);
  const cosines = new Map<number, number>();
  for (const rowid of rowids) {
    const slot = set.slotOf(rowid);
    if (slot >= 0 && set.alive[slot] && set.hasRerank(slot)) cosines.set(rowid, set.cosine(slot, unit));
  }
  return cosines;
}

type Scored = Candidate & { similarity?: number };

/** Importance, recency and (for full-text candidates) the cosine, from the cached set. */
function addWeights(candidates: Map<number, Scored>, set: VectorSet, cosines: Map<number, number>): void {
  for (const candidate of candidates.values()) {
    const slot = set.slotOf(candidate.rowid);
    if (slot < 0 || !set.alive[slot]) continue;
    candidate.importance = set.importance[slot]!;
    candidate.updatedMs = set.updatedMs[slot]!;
    candidate.similarity ??= cosines.get(candidate.rowid);
  }
}

/** Marks the results accessed (their `accessed_at` in the answer already says so). */
async function touch(memory: Memory, request: RecallRequest, rows: RowidEngramRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const meter = new QueryMeter(memory.d1);
  const filter = { agent: request.agent, ...optionalContext(request) };
  try {
    await meter.run(
      touchByRowidQueries(
        memory.db,
        rows.map((row) => row.rowid),
        rows[0]!.accessed_at!,
        filter,
      ),
    );
  } catch (error) {
    logMemoryFailure("memory_touch_failed", error);
  }
  return meter.rowsRead;
}

async function embedQuery(memory: Memory, text: string): Promise<Float32Array | undefined> {
  try {
    return (await memory.embedder.embed([text]))[0];
  } catch (error) {
    logMemoryFailure("memory_query_embedding_failed", error);
    return undefined;
  }
}

/**
 * The best candidates' engrams, in rank order: those the first round trip brought are used as they
 * are, the others read (one indexed row each). Rows gone or out of scope are skipped and the next
 * candidates taken instead, a bounded number of times.
 */
async function readBest(
  meter: QueryMeter,
  memory: Memory,
  request: RecallRequest,
  ranked: number[],
  known: Map<number, RowidEngramRow>,
): Promise<RowidEngramRow[]> {
  const rows: RowidEngramRow[] = [];
  let next = 0;
  const at = nowTimestamp();
  for (let round = 0; round < 3 && rows.length < request.limit && next < ranked.length; round++) {
    const wanted = ranked.slice(next, next + request.limit - rows.length);
    next += wanted.length;
    const missing = wanted.filter((rowid) => !known.has(rowid));
    if (missing.length > 0) {
      for (const row of (await meter.run(engramsByRowidQueries(memory.db, missing))).flat() as RowidEngramRow[]) {
        known.set(row.rowid, row);
      }
    }
    for (const rowid of wanted) {
      const row = known.get(rowid);
      if (row && inScope(row, request)) rows.push({ ...row, accessed_at: at });
    }
  }
  return rows;
}

function inScope(row: EngramRow, request: RecallRequest): boolean {
  if (request.agent !== null && row.agent !== request.agent) return false;
  return request.contextId === undefined || row.context_id === request.contextId;
}

function optionalContext(request: RecallRequest): { contextId?: string } {
  return request.contextId === undefined ? {} : { contextId: request.contextId };
}

function roundSimilarity(value: number): number {
  return Math.round(Math.min(1, Math.max(-1, value)) * 1e4) / 1e4;
}
