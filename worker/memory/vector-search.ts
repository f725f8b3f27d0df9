import type { Db } from "../db/database";
import type { QueryMeter } from "../db/engram-meter";
import { q8ByRowidQueries } from "../db/engram-vector-queries";
import { cosineInt8, decodeHex, int8Norm } from "./vector-codec";
import { fillMissingRerank } from "./vector-cache";
import { candidateSlots, nearestSlots, scanQuery, type ScoredSlot } from "./vector-scan";
import type { VectorSet } from "./vector-set";

/**
 * The set's nearest engrams to `vector` with cosines of at least `floor`, best first. A set whose
 * re-rank vectors are in memory answers without D1 (int8: exact as stored; 4-bit: within about
 * ±0.02, and `exact` re-reads the int8 vectors of the answers, for the near-duplicate threshold).
 * A set without them has its best sign-bit candidates' int8 vectors read (one row each), and so has
 * a set loaded sign bits first for the candidates whose vectors have not followed yet. `also` are
 * rowids whose cosine is wanted too (full-text candidates), returned in `cosines`.
 */
export async function searchVectors(
  meter: QueryMeter,
  db: Db,
  set: VectorSet,
  vector: Float32Array,
  options: { limit: number; floor: number; restrict?: readonly number[]; also?: readonly number[]; exact?: boolean },
): Promise<{ nearest: ScoredSlot[]; cosines: Map<number, number> }> {
  const query = scanQuery(vector);
  const cosines = new Map<number, number>();
  const wanted = (options.also ?? []).map((rowid) => set.slotOf(rowid)).filter((slot) => slot >= 0 && set.alive[slot]);
  const coarse = coarseCount(set.live, options.limit);
  let restrict = options.restrict ? { restrict: options.restrict } : {};
  if (set.missing > 0) {
    const candidates = options.restrict ?? candidateSlots(set, query, coarse);
    await fillMissingRerank(meter, db, set, [...candidates, ...wanted]);
    restrict = { restrict: candidates };
  }
  if (set.precision === "q8" || (set.precision === "q4" && !options.exact)) {
    const nearest = nearestSlots(set, query, { limit: options.limit, floor: options.floor, coarse, ...restrict });
    for (const slot of wanted) if (set.hasRerank(slot)) cosines.set(set.rowids[slot]!, set.cosine(slot, query.unit));
    return { nearest, cosines };
  }
  // Candidates from memory (4-bit cosines, or sign dot products), confirmed with int8 vectors from D1.
  const confirmed = set.precision === "bits" ? Math.max(options.limit, signDotCandidates) : options.limit;
  const rough = nearestSlots(set, query, { limit: confirmed, floor: -2, coarse, ...restrict });
  const rowids = [...new Set([...rough.map((scored) => scored.rowid), ...wanted.map((slot) => set.rowids[slot]!)])];
  const exact = new Map<number, number>();
  const results = rowids.length > 0 ? await meter.run(q8ByRowidQueries(db, rowids)) : [];
  for (const rows of results) {
    for (const row of rows) {
      if (row.model !== set.model || !row.q8) continue;
      const q8 = new Int8Array(set.dims);
      decodeHex(row.q8, new Uint8Array(q8.buffer), 0);
      exact.set(row.engram_rowid, cosineInt8(query.unit, q8, 0, int8Norm(q8, 0, q8.length)));
    }
  }
  for (const slot of wanted) {
    const value = exact.get(set.rowids[slot]!);
    if (value !== undefined) cosines.set(set.rowids[slot]!, value);
  }
  const nearest = rough
    .map((scored) => ({ ...scored, cosine: exact.get(scored.rowid) ?? -2 }))
    .filter((scored) => scored.cosine >= options.floor)
    .sort((a, b) => b.cosine - a.cosine)
    .slice(0, options.limit);
  return { nearest, cosines };
}

/**
 * Without re-rank vectors in memory, the sign-bit candidates best by their sign dot product whose
 * int8 vectors are read: a rough estimate, so more than asked for (measured at 10,000 engrams: the
 * best 40 hold 99% of the true top 5, the best 5 only 49%).
 */
const signDotCandidates = 40;

/**
 * Sign-bit candidates kept for re-ranking: enough that the re-rank rarely misses a true neighbour
 * (measured: 160 keep 99% of the true top 5 among 10,000 engrams; 100,000 need about 320).
 */
function coarseCount(live: number, limit: number): number {
  return Math.max(8 * limit, Math.min(1_024, Math.max(160, Math.ceil(live / 300))));
}
