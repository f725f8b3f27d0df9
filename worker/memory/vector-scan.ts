import { signBits } from "./vector-codec";
import type { VectorSet } from "./vector-set";

/** A query prepared for scanning: the unit vector (as float64, the re-rank's fastest) and its sign bits. */
export interface ScanQuery {
  unit: Float64Array;
  bits: Uint32Array;
}

export interface ScoredSlot {
  slot: number;
  rowid: number;
  /** Cosine from the int8 vectors, or (bits-only sets, before the caller re-ranks) an estimate. */
  cosine: number;
}

export function scanQuery(unit: Float32Array): ScanQuery {
  return { unit: Float64Array.from(unit), bits: signBits(unit) };
}

/** Sets this small are scored exactly, without the Hamming pass. */
const exactBelow = 256;

/**
 * The slots nearest to the query: a Hamming distance on sign bits over every live slot keeps
 * `coarse` candidates (candidateSlots); their re-rank vectors (int8 or 4-bit) give the cosine, and
 * those at least `floor` come back best first, at most `limit`. For a set without re-rank vectors
 * in memory the candidates are ordered by the query's dot product with their signs instead, and the
 * caller re-ranks the first ones with int8 vectors read from D1. `restrict` limits the scan to some
 * slots. A slot whose re-rank vector is missing (a set loaded sign bits first) is left out: the
 * caller fills the candidates' first.
 */
export function nearestSlots(
  set: VectorSet,
  query: ScanQuery,
  options: { limit: number; floor: number; coarse: number; restrict?: readonly number[] },
): ScoredSlot[] {
  if (set.live === 0 || query.unit.length !== set.dims) return [];
  const candidates = options.restrict ?? candidateSlots(set, query, options.coarse);
  const scored: ScoredSlot[] = [];
  const inMemory = set.precision !== "bits";
  for (const slot of candidates) {
    if (!set.alive[slot]) continue;
    if (inMemory && !set.hasRerank(slot)) continue;
    const cosine = inMemory ? set.cosine(slot, query.unit) : signDot(set, query, slot);
    if (inMemory && cosine < options.floor) continue;
    scored.push({ slot, rowid: set.rowids[slot]!, cosine });
  }
  scored.sort((a, b) => b.cosine - a.cosine);
  return scored.slice(0, options.limit);
}

/** The slots a scan re-ranks: every live one in a small set, else the `coarse` nearest by Hamming distance. */
export function candidateSlots(set: VectorSet, query: ScanQuery, coarse: number): number[] {
  return set.live <= Math.max(exactBelow, coarse) ? liveSlots(set) : hammingNearest(set, query, coarse);
}

function liveSlots(set: VectorSet): number[] {
  const slots: number[] = [];
  for (let slot = 0; slot < set.size; slot++) if (set.alive[slot]) slots.push(slot);
  return slots;
}

/** The `count` live slots of smallest Hamming distance (ties at the cut-off in slot order). */
export function hammingNearest(set: VectorSet, query: ScanQuery, count: number): number[] {
  const { size } = set;
  const { distances, histogram } = set.signDistances(query.bits);
  let cutoff = 0;
  for (let kept = 0; cutoff < histogram.length; cutoff++) {
    kept += histogram[cutoff]!;
    if (kept >= count) break;
  }
  const kept = new Array<number>();
  let ties = count - (cutoff > 0 ? cumulative(histogram, cutoff - 1) : 0);
  for (let slot = 0; slot < size; slot++) {
    const distance = distances[slot]!;
    if (distance < cutoff) kept.push(slot);
    else if (distance === cutoff && ties > 0) {
      kept.push(slot);
      ties -= 1;
    }
  }
  return kept;
}

/** How many distances are at most `upTo`. */
function cumulative(histogram: Uint32Array, upTo: number): number {
  let sum = 0;
  for (let distance = 0; distance <= upTo; distance++) sum += histogram[distance]!;
  return sum;
}

/** The query's dot product with the slot's signs (±1), scaled like a cosine: a bits-only estimate. */
function signDot(set: VectorSet, query: ScanQuery, slot: number): number {
  const { unit } = query;
  const offset = slot * set.words;
  let sum = 0;
  for (let index = 0; index < unit.length; index++) {
    const bit = (set.bits[offset + (index >>> 5)]! >>> (index & 31)) & 1;
    sum += bit ? unit[index]! : -unit[index]!;
  }
  return sum / Math.sqrt(unit.length);
}
