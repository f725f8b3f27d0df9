import type { EngramRow } from "../db/engram-queries";
import { QueryMeter } from "../db/engram-meter";
import {
  contextRowidsQuery,
  engramsByRowidQueries,
  maxRowidsPerStatement,
  scopedTextCandidatesQuery,
  textCandidatesQuery,
  touchByRowidQueries,
  type RowidEngramRow,
} from "../db/engram-recall-queries";
import { nowTimestamp } from "../db/timestamps";
import { ftsMatchExpression, ftsTerms } from "./fts-query";
import { fuse, type Candidate } from "./fusion";
import { logMemoryFailure, similarityFloor, type Memory } from "./memory-context";
import { cachedVectorSet, currentVectorSet, freshnessQueries } from "./vector-cache";
import { searchVectors } from "./vector-search";
import type { VectorSet } from "./vector-set";

/**
 * Hybrid recall: full-text candidates (FTS5, bm25) and vector candidates (cosine at least the model's
 * threshold) fused by reciprocal rank fusion and weighted by importance and recency, as fusion.ts
 * states; the engrams returned are marked accessed. One round trip asks D1 for the full-text
 * candidates and whether the cached vectors are current (while the query is embedded), the scan runs
 * in memory, and a second round trip reads only the engrams returned. Marking them accessed is a
 * write the answer need not wait for: `touched` settles when it is done (callers hand it to
 * ctx.waitUntil); a later request sees it, D1 applying one database's statements in order.
 */

export interface RecallRequest {
  /** One agent's engrams, or null for every agent's (Mirror's search without `agent_filter`). */
  agent: string | null;
  query: string;
  limit: number;
  contextId?: string;
  /** Results with a lower cosine are left out (Mirror's `threshold`); engrams without a vector count 0. */
  minSimilarity?: number;
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
}

/**
 * A word in more engrams than this (at least 200, else 2% of the agent's engrams) is too common for
 * the cheap full-text query: ranking reads every engram that holds it, and bm25 weighs it little.
 */
export function maxTermDocuments(engrams: number): number {
  return Math.max(200, Math.floor(engrams / 50));
}

export interface Recall {
  results: RecalledEngram[];
  trace: RecallTrace;
  /** The `accessed_at` update of the results; resolves to the D1 rows it read. Never rejects. */
  touched: Promise<number>;
}

export async function recall(
  memory: Memory,
  request: RecallRequest,
  options: { scopedText?: boolean } = {},
): Promise<Recall> {
  const { db, embedder } = memory;
  const meter = new QueryMeter(memory.d1);
  const model = embedder.model;
  const useText = request.use?.text ?? true;
  const useVector = request.use?.vector ?? true;
  const agent = request.agent;
  // Each full-text candidate costs a row; fusion needs no more than the page asks for.
  const textDepth = request.limit;
  const vectorDepth = Math.max(2 * request.limit, 20);
  const scopedText = options.scopedText === true || request.contextId !== undefined;
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
  };

  const match = useText ? ftsMatchExpression(request.query) : undefined;
  const terms = useText ? ftsTerms(request.query) : [];
  const known = cachedVectorSet(agent, model)?.live ?? 0;
  const freshness = useVector ? freshnessQueries(db, agent, model) : undefined;
  const [queryVector, first] = await Promise.all([
    useVector ? (request.queryVector ?? embedQuery(memory, request.query)) : undefined,
    meter.runNamed({
      state: freshness?.state,
      changes: freshness?.changes,
      text:
        match === undefined
          ? undefined
          : scopedText
            ? scopedTextCandidatesQuery(db, { match, agent, ...optionalContext(request), limit: textDepth })
            : terms.length === 0
              ? undefined
              : textCandidatesQuery(db, terms, maxTermDocuments(known), textDepth),
      context: request.contextId === undefined ? undefined : contextRowidsQuery(db, agent, request.contextId, 10_000),
    }),
  ]);

  const candidates = new Map<number, Scored>();
  const textRows = first.text ?? [];
  trace.textCandidates = textRows.length;
  textRows.forEach((row, index) => candidates.set(row.rowid, { rowid: row.rowid, textRank: index + 1 }));

  let started = performance.now();
  if (queryVector) {
    const { set, state } = await currentVectorSet(meter, db, agent, model, {
      state: first.state?.[0],
      changes: first.changes,
    });
    trace.cache = state;
    started = performance.now();
    const restrict = first.context?.map((row) => set.slotOf(row.rowid)).filter((slot) => slot >= 0);
    const { nearest, cosines } = await searchVectors(meter, db, set, queryVector, {
      limit: vectorDepth,
      floor: similarityFloor(model),
      ...(restrict && { restrict }),
      also: textRows.map((row) => row.rowid),
    });
    trace.vectorCandidates = nearest.length;
    nearest.forEach((scored, index) => {
      const candidate = candidates.get(scored.rowid) ?? { rowid: scored.rowid };
      candidates.set(scored.rowid, { ...candidate, vectorRank: index + 1, similarity: scored.cosine });
    });
    addWeights(candidates, set, cosines);
  }

  const minimum = request.minSimilarity;
  const eligible = [...candidates.values()].filter(
    (candidate) => minimum === undefined || (candidate.similarity ?? 0) >= minimum,
  );
  const ranked = fuse(eligible, Date.now());
  trace.computeMs = performance.now() - started;

  const { rows, foreign } = await readBest(
    meter,
    memory,
    request,
    ranked.map((candidate) => candidate.rowid),
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

  // Other agents' matches took the cheap full-text page: ask again within the agent only.
  if (results.length < request.limit && foreign > 0 && !scopedText && textRows.length === textDepth) {
    const again = await recall(memory, request, { scopedText: true });
    return { ...again, trace: addTraces(trace, again.trace) };
  }
  return { results, trace, touched: touch(memory, request, rows) };
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
 * Reads the best candidates, one indexed row each. Rows of another agent (the cheap full-text page
 * holds every agent's) are skipped and the next candidates read instead, a bounded number of times.
 */
async function readBest(
  meter: QueryMeter,
  memory: Memory,
  request: RecallRequest,
  ranked: number[],
): Promise<{ rows: RowidEngramRow[]; foreign: number }> {
  const rows: RowidEngramRow[] = [];
  let next = 0;
  let foreign = 0;
  const at = nowTimestamp();
  for (let round = 0; round < 3 && rows.length < request.limit && next < ranked.length; round++) {
    const wanted = ranked.slice(next, next + Math.min(request.limit - rows.length, maxRowidsPerStatement));
    next += wanted.length;
    const read = (await meter.run(engramsByRowidQueries(memory.db, wanted))).flat() as RowidEngramRow[];
    const byRowid = new Map(read.map((row) => [row.rowid, row]));
    for (const rowid of wanted) {
      const row = byRowid.get(rowid);
      if (!row) continue;
      if (!inScope(row, request)) {
        foreign += 1;
        continue;
      }
      rows.push({ ...row, accessed_at: at });
    }
  }
  return { rows, foreign };
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

function addTraces(first: RecallTrace, second: RecallTrace): RecallTrace {
  return {
    ...second,
    rowsRead: first.rowsRead + second.rowsRead,
    statements: first.statements + second.statements,
    roundTrips: first.roundTrips + second.roundTrips,
    computeMs: first.computeMs + second.computeMs,
    d1Ms: first.d1Ms + second.d1Ms,
  };
}
