/**
 * Hybrid recall's ranking. Full text (FTS5, bm25) and vectors (cosine) each rank their candidates;
 * reciprocal rank fusion adds, for every list an engram is in, 1 / (k + its rank there):
 *
 *   rrf(d)    = Σ over lists L holding d of 1 / (60 + rank_L(d))          (ranks from 1, k = 60)
 *   weight(d) = (0.85 + 0.3 · importance(d)) · (0.95 + 0.05 · 2^(−age_days(d) / 30))
 *   score(d)  = rrf(d) · weight(d)
 *
 * importance is the engram's, in [0, 1] (0.5 when unknown); age is since it was last stored,
 * merged or edited (updated_at), not since it was last recalled, so recall does not feed itself.
 * The weights stay within [0.81, 1.15], so they reorder neighbours without overruling relevance:
 * within the first 25 ranks of each list, an engram found by both lists always outranks one found
 * by a single list, and a very important one can pass a few ranks of a trivial one.
 * Vector candidates below the model's similarity floor (or Mirror's `threshold`) never enter the
 * vector list.
 *
 * The guard: a list that carries no signal of its own must not push full-text hits out. The
 * built-in hashing embedding is lexical (it finds the words full text finds, with less precision),
 * so with it (`guard`) the full-text hits keep their order (their rank alone, weighted) and come
 * first, and the vector-only candidates fill the page when full text finds fewer: recall@k is then
 * never below full text's. (Letting the lexical vectors reorder the full-text hits, as RRF does,
 * measured worse at k = 5 on the benchmark's conversations.) A model's vectors below its floor are
 * no list at all; above it they are fused by RRF.
 */
export const rrfK = 60;
export const recencyHalfLifeDays = 30;

export interface Candidate {
  rowid: number;
  /** 1-based ranks; undefined when the list does not hold it. */
  textRank?: number;
  vectorRank?: number;
  importance?: number;
  /** updated_at in ms; undefined when unknown (counted one half-life old). */
  updatedMs?: number;
}

export function recencyFactor(updatedMs: number | undefined, now: number): number {
  const ageDays = updatedMs === undefined ? recencyHalfLifeDays : Math.max(0, now - updatedMs) / 86_400_000;
  return 0.95 + 0.05 * 2 ** (-ageDays / recencyHalfLifeDays);
}

export function importanceFactor(importance: number | undefined): number {
  const value = importance === undefined || !Number.isFinite(importance) ? 0.5 : Math.min(1, Math.max(0, importance));
  return 0.85 + 0.3 * value;
}

export function fusedScore(candidate: Candidate, now: number): number {
  let rrf = 0;
  if (candidate.textRank !== undefined) rrf += 1 / (rrfK + candidate.textRank);
  if (candidate.vectorRank !== undefined) rrf += 1 / (rrfK + candidate.vectorRank);
  return rrf * importanceFactor(candidate.importance) * recencyFactor(candidate.updatedMs, now);
}

/**
 * Candidates best first, each with its score; ties go to the lower rowid (older engram) for
 * stability. With `guard`, full-text candidates first (see above).
 */
export function fuse<C extends Candidate>(
  candidates: Iterable<C>,
  now: number,
  options: { guard?: boolean } = {},
): (C & { score: number })[] {
  const tier = (candidate: Candidate) => (options.guard && candidate.textRank === undefined ? 1 : 0);
  const scored = (candidate: C) =>
    options.guard && candidate.textRank !== undefined
      ? fusedScore({ ...candidate, vectorRank: undefined }, now)
      : fusedScore(candidate, now);
  return [...candidates]
    .map((candidate) => ({ ...candidate, score: scored(candidate) }))
    .sort((a, b) => tier(a) - tier(b) || b.score - a.score || a.rowid - b.rowid);
}
