import type { QueryMeter } from "../db/engram-meter";
import type { RowidEngramRow } from "../db/engram-recall-queries";
import { fuse, type Candidate } from "./fusion";
import type { FirstBatch, RecallPlan, RecallRequest, RecalledEngram, RecallTrace } from "./hybrid-recall";
import { inScope } from "./hybrid-recall-rows";
import type { Memory } from "./memory-context";
import { currentVectorSet, freshnessOf, type Freshness } from "./vector-cache";
import { scanQuery, type ScoredSlot } from "./vector-scan";
import { searchVectors } from "./vector-search";
import { timestampMs, type VectorSet } from "./vector-set";

/**
 * Hybrid recall's candidates (hybrid-recall.ts): the early scan of a cached set, the full-text hits,
 * the vector candidates with the weights the set holds, their fusion, and the engrams as returned.
 */

type Scored = Candidate & { similarity?: number };

export interface EarlyScan {
  /** The set scanned: its result stands if the set is still the current one. */
  set: VectorSet;
  nearest: ScoredSlot[];
  /** The vector candidates that can rank, whose engrams the first round trip reads. */
  rowids: number[];
  ms: number;
}

/**
 * The scan of a cached set before D1 is asked: its vector candidates, and the rowids of the `limit`
 * best by vector score alone (the only vector candidates that can rank, whatever full text finds).
 */
export async function scanEarly(
  meter: QueryMeter,
  memory: Memory,
  plan: RecallPlan,
  set: VectorSet,
  vector: Float32Array | undefined,
): Promise<EarlyScan | undefined> {
  if (!vector) return undefined;
  const started = performance.now();
  // Precision q8 or 4-bit: answered from memory, no D1 call is made.
  const { nearest } = await searchVectors(meter, memory.db, set, vector, {
    limit: plan.vectorDepth,
    floor: plan.floor,
  });
  const alone = new Map<number, Scored>(
    nearest.map((scored, index) => [
      scored.rowid,
      { rowid: scored.rowid, vectorRank: index + 1, similarity: scored.cosine },
    ]),
  );
  addWeights(alone, set, new Map());
  const best = fuse(alone.values(), Date.now(), { guard: plan.guard }).slice(0, plan.request.limit);
  return { set, nearest, rowids: best.map((candidate) => candidate.rowid), ms: performance.now() - started };
}

export interface Ranking {
  ranked: (Scored & { score: number })[];
  candidates: Map<number, Scored>;
  /** The engrams read so far, by rowid. */
  known: Map<number, RowidEngramRow>;
  cache: RecallTrace["cache"];
  textCandidates: number;
  vectorCandidates: number;
  /** The set scanned: its snapshot and its missing int8 vectors are seen to after the answer. */
  vectors?: VectorSet;
  computeMs: number;
}

/**
 * The full-text candidates, then (with the query's vector) the vector candidates, fused. The compute
 * time does not count the wait for D1 while the cached vectors are brought up to date.
 */
export async function rankCandidates(
  meter: QueryMeter,
  memory: Memory,
  plan: RecallPlan,
  asked: {
    first: FirstBatch;
    queryVector: Float32Array | undefined;
    early: EarlyScan | undefined;
    snapshot: Freshness["snapshot"];
  },
): Promise<Ranking> {
  const { first, queryVector, early } = asked;
  let started = performance.now();
  const { known, candidates } = textCandidates(first, plan.request);
  const textCount = candidates.size;
  let vectors: Pick<Ranking, "cache" | "vectorCandidates" | "vectors"> = { cache: "unused", vectorCandidates: 0 };
  if (queryVector) {
    const { agent } = plan.request;
    const freshness = freshnessOf(first, asked.snapshot);
    const { set, state } = await currentVectorSet(meter, memory, agent, plan.model, freshness);
    started = performance.now();
    const scanned = state === "warm" && early?.set === set ? early : undefined;
    vectors = {
      cache: state,
      vectorCandidates: await addVectorCandidates(meter, memory, plan, candidates, {
        set,
        queryVector,
        early: scanned,
        context: first.context,
      }),
      vectors: set,
    };
  }
  const ranked = fuse(candidates.values(), Date.now(), { guard: plan.guard });
  return { ranked, candidates, known, textCandidates: textCount, ...vectors, computeMs: performance.now() - started };
}

/** The full-text hits in rank order, those in scope as candidates; the engrams of every row read. */
function textCandidates(
  first: FirstBatch,
  request: RecallRequest,
): { known: Map<number, RowidEngramRow>; candidates: Map<number, Scored> } {
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
  return { known, candidates };
}

/**
 * Adds the vector candidates, with the importance, recency and cosines the set holds: the early
 * scan's when it scanned the current set, else a scan now (restricted to the context's engrams in a
 * context's search) that also scores the full-text candidates. Returns how many there are.
 */
async function addVectorCandidates(
  meter: QueryMeter,
  memory: Memory,
  plan: RecallPlan,
  candidates: Map<number, Scored>,
  scan: { set: VectorSet; queryVector: Float32Array; early: EarlyScan | undefined; context: FirstBatch["context"] },
): Promise<number> {
  const { set, queryVector, early } = scan;
  const textRowids = [...candidates.keys()];
  let nearest: ScoredSlot[];
  let cosines: Map<number, number>;
  if (early) {
    nearest = early.nearest;
    cosines = cosinesInMemory(set, queryVector, textRowids);
  } else {
    const restrict = scan.context?.map((row) => set.slotOf(row.rowid)).filter((slot) => slot >= 0);
    ({ nearest, cosines } = await searchVectors(meter, memory.db, set, queryVector, {
      limit: plan.vectorDepth,
      floor: plan.floor,
      ...(restrict && { restrict }),
      also: textRowids,
    }));
  }
  nearest.forEach((scored, index) => {
    const candidate = candidates.get(scored.rowid) ?? { rowid: scored.rowid };
    candidates.set(scored.rowid, { ...candidate, vectorRank: index + 1, similarity: scored.cosine });
  });
  addWeights(candidates, set, cosines);
  return nearest.length;
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

/** The engrams as recall returns them: the fused score, the rounded cosine, the lists that found each. */
export function recalledEngrams(rows: RowidEngramRow[], ranking: Ranking): RecalledEngram[] {
  return rows.map((row) => {
    const candidate = ranking.candidates.get(row.rowid)!;
    const scored = ranking.ranked.find((entry) => entry.rowid === row.rowid)!;
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
}

function roundSimilarity(value: number): number {
  return Math.round(Math.min(1, Math.max(-1, value)) * 1e4) / 1e4;
}
