import type { EngramRow } from "../db/engram-queries";
import { QueryMeter } from "../db/engram-meter";
import {
  contextRowidsQuery,
  engramsByRowidQueries,
  textCandidatesQuery,
  type RowidEngramRow,
} from "../db/engram-recall-queries";
import { lookedUpTerms, queryTerms } from "./fts-query";
import { rankCandidates, recalledEngrams, scanEarly, type EarlyScan, type Ranking } from "./hybrid-recall-candidates";
import { optionalContext, readBest, touch } from "./hybrid-recall-rows";
import { logMemoryFailure, similarityFloor, type Memory } from "./memory-context";
import {
  cachedVectorSet,
  fillRerankVectors,
  freshnessQueries,
  saveSnapshotIfDue,
  type CacheState,
} from "./vector-cache";
import type { VectorSet } from "./vector-set";

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
  /**
   * How the cached vectors were found: current, patched from the change log, loaded from the
   * snapshot in KV (and patched), or loaded from D1.
   */
  cache: CacheState | "unused";
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
  const plan = planRecall(memory, request);
  const meter = new QueryMeter(memory.d1);
  const vector = plan.useVector ? embedQuery(memory, request) : undefined;
  const early = plan.scanFirst ? await scanEarly(meter, memory, plan, plan.scanFirst, await vector) : undefined;
  const freshness = plan.useVector ? freshnessQueries(memory, request.agent, plan.model) : undefined;
  const [queryVector, first] = await Promise.all([vector, askFirstBatch(meter, memory, plan, early, freshness)]);
  const snapshot = freshness?.snapshot;
  const ranking = await rankCandidates(meter, memory, plan, { first, queryVector, early, snapshot });
  const best = ranking.ranked.map((candidate) => candidate.rowid);
  const rows = await readBest(meter, memory, request, best, ranking.known);
  return {
    results: recalledEngrams(rows, ranking),
    trace: recallTrace(plan.model, meter, ranking, early),
    background: afterAnswer(memory, request, rows, ranking.vectors),
  };
}

/** What a recall settles before it asks anything: the lists it uses, how deep, and what it scans first. */
export interface RecallPlan {
  request: RecallRequest;
  model: string;
  /** The query's words for full text; undefined when full text is not used. */
  terms: ReturnType<typeof lookedUpTerms> | undefined;
  useVector: boolean;
  vectorDepth: number;
  floor: number;
  /** fusion.ts's guard for a lexical embedding. */
  guard: boolean;
  /** The cached set scanned before D1 is asked, when it can answer from memory. */
  scanFirst: VectorSet | undefined;
}

function planRecall(memory: Memory, request: RecallRequest): RecallPlan {
  const { embedder } = memory;
  const model = embedder.model;
  const useVector = request.use?.vector ?? true;
  const terms = (request.use?.text ?? true) ? lookedUpTerms(queryTerms(request.query)) : undefined;
  const cached = cachedVectorSet(request.agent, model);
  // A context's search scans only the context's engrams, which D1 names: no early scan for it.
  const scanFirst =
    useVector &&
    cached !== undefined &&
    cached.precision !== "bits" &&
    cached.missing === 0 &&
    request.contextId === undefined;
  return {
    request,
    model,
    terms,
    useVector,
    vectorDepth: Math.max(2 * request.limit, 20),
    floor: request.vectorThreshold ?? similarityFloor(model),
    // A lexical embedding (the built-in hashing one) finds what full text finds, less well: its
    // vector-only candidates come after every full-text one (fusion.ts, the guard).
    guard: !embedder.semantic,
    scanFirst: scanFirst ? cached : undefined,
  };
}

/**
 * The first round trip, one batch: whether the cached vectors are current (or, without them, the
 * latest changes), the full-text candidates with their engrams, the context's engrams, and the
 * engrams of the early scan's best.
 */
function askFirstBatch(
  meter: QueryMeter,
  memory: Memory,
  plan: RecallPlan,
  early: EarlyScan | undefined,
  freshness: ReturnType<typeof freshnessQueries> | undefined,
) {
  const { db } = memory;
  const { request, terms } = plan;
  return meter.runNamed({
    ...freshness?.queries,
    text:
      terms === undefined || terms.looked.length + terms.rest.length === 0
        ? undefined
        : textCandidatesQuery(db, {
            terms: terms.looked,
            rest: terms.rest,
            maxCandidates: maxTextCandidates,
            agent: request.agent,
            ...optionalContext(request),
            // Each full-text candidate costs two rows; fusion needs no more than the page asks for.
            limit: request.limit,
            deep: maxTextPulled,
          }),
    context:
      request.contextId === undefined ? undefined : contextRowidsQuery(db, request.agent, request.contextId, 10_000),
    rows: early && early.rowids.length > 0 ? engramsByRowidQueries(db, early.rowids) : undefined,
  });
}

export type FirstBatch = Awaited<ReturnType<typeof askFirstBatch>>;

/** What the recall cost until its answer (the background's reads are not in it). */
function recallTrace(model: string, meter: QueryMeter, ranking: Ranking, early: EarlyScan | undefined): RecallTrace {
  return {
    model,
    cache: ranking.cache,
    rowsRead: meter.rowsRead,
    statements: meter.statements,
    roundTrips: meter.roundTrips,
    textCandidates: ranking.textCandidates,
    vectorCandidates: ranking.vectorCandidates,
    computeMs: (early?.ms ?? 0) + ranking.computeMs,
    d1Ms: meter.waitedMs,
    sqlMs: meter.sqlMs,
  };
}

/** The work the answer need not wait for: `Recall.background`. */
function afterAnswer(
  memory: Memory,
  request: RecallRequest,
  rows: RowidEngramRow[],
  vectors: VectorSet | undefined,
): Promise<number> {
  // The set's snapshot, when due, then the next page of a set loaded sign bits first, each a task
  // after the answer: not ahead of the answer's reads, and their CPU not on the answer's path.
  const upkeep = vectors
    ? nextTask()
        .then(() => saveSnapshotIfDue(new QueryMeter(memory.d1), memory, vectors))
        .then(nextTask)
        .then(() => (vectors.missing > 0 ? fillRerankVectors(new QueryMeter(memory.d1), memory.db, vectors) : 0))
    : 0;
  return Promise.all([touch(memory, request, rows), upkeep]).then(([touched, filled]) => touched + filled);
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The query's vector: the caller's, else the embedder's (undefined when embedding fails). */
async function embedQuery(memory: Memory, request: RecallRequest): Promise<Float32Array | undefined> {
  if (request.queryVector) return request.queryVector;
  try {
    return (await memory.embedder.embed([request.query]))[0];
  } catch (error) {
    logMemoryFailure("memory_query_embedding_failed", error);
    return undefined;
  }
}
