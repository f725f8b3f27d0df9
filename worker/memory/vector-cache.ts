import type { Db } from "../db/database";
import type { QueryMeter } from "../db/engram-meter";
import {
  changeLogStateQuery,
  changesSinceQuery,
  clearChangesQueries,
  q8ByRowidQueries,
  q8PageQuery,
  vectorPageQuery,
  vectorRangeQuery,
  vectorsByRowidQuery,
} from "../db/engram-vector-queries";
import { usualDimensions } from "./embedder";
import { logMemoryFailure } from "./memory-context";
import { readSignPage, signPageRows } from "./sign-page";
import { VectorSet, type Precision } from "./vector-set";

/**
 * The per-isolate cache of compact vectors, one VectorSet per (scope, model). A recall first asks
 * the change log what changed since the set's last entry (one indexed read, usually empty, in the
 * same round trip as the full-text query); changes are applied row by row; a set that is missing,
 * older than the log's floor, or too far behind is loaded again. A set of more than one page of
 * int8 vectors is loaded sign bits first: the recall that loads it reads the int8 vectors of its
 * candidates only, and the others follow in the background (fillRerankVectors), a page at a time.
 */

/**
 * Re-rank vectors kept in memory across all sets: int8 for up to about 65,000 engrams of 768
 * dimensions, 4-bit for up to about 131,000; beyond that none (read from D1 per recall).
 */
export const rerankBudgetBytes = 48 * 1024 * 1024;
/** Everything kept (sign bits, weights, int8 vectors); least recently used sets go first. */
const totalBudgetBytes = 64 * 1024 * 1024;
/** More changes than this since a set's last sync: load it again rather than patch it. */
export const maxChangesApplied = 64;
/**
 * Rows per page of a cold load (few statements: D1 counts them; each answer a few MB), and of the
 * int8 vectors a recall's background fills in (about 3 MB of hex: a few ms of CPU).
 */
const pageRows = { withQ8: 5_000, bitsOnly: 20_000, fill: 2_000 };

const sets = new Map<string, VectorSet>();

function keyOf(agent: string | null, model: string): string {
  return `${agent ?? "*"}\u0000${model}`;
}

export function cachedVectorSet(agent: string | null, model: string): VectorSet | undefined {
  return sets.get(keyOf(agent, model));
}

/** Forgets every set (after an erase; the benchmark's cold rounds). */
export function forgetVectorCache(): void {
  sets.clear();
}

/** The queries that tell whether the cached set is current; run them in the caller's first batch. */
export function freshnessQueries(db: Db, agent: string | null, model: string) {
  const set = cachedVectorSet(agent, model);
  return {
    state: changeLogStateQuery(db),
    changes: set ? changesSinceQuery(db, agent, set.seq, maxChangesApplied + 1) : undefined,
  };
}

export interface Freshness {
  state: { floor: number; latest: number | null } | undefined;
  changes: { seq: number; engram_rowid: number }[] | undefined;
}

/** The set brought up to date with what `freshnessQueries` returned. */
export async function currentVectorSet(
  meter: QueryMeter,
  db: Db,
  agent: string | null,
  model: string,
  freshness: Freshness,
): Promise<{ set: VectorSet; state: "warm" | "synced" | "cold" }> {
  const floor = freshness.state?.floor ?? 0;
  const latest = Math.max(floor, freshness.state?.latest ?? 0);
  let set = cachedVectorSet(agent, model);
  const changes = freshness.changes;
  let state: "warm" | "synced" | "cold" = "warm";
  if (!set || !changes || set.seq < floor || changes.length > maxChangesApplied) {
    set = await loadVectorSet(meter, db, agent, model, latest);
    state = "cold";
  } else if (changes.length > 0) {
    await applyChanges(meter, db, set, changes);
    state = "synced";
  }
  set.lastUsed = Date.now();
  return { set, state };
}

async function applyChanges(
  meter: QueryMeter,
  db: Db,
  set: VectorSet,
  changes: { seq: number; engram_rowid: number }[],
): Promise<void> {
  const rowids = [...new Set(changes.map((change) => change.engram_rowid))];
  const [rows] = await meter.run([vectorsByRowidQuery(db, rowids, set.precision !== "bits")] as const);
  const current = new Map(rows.map((row) => [row.engram_rowid, row]));
  for (const rowid of rowids) {
    const row = current.get(rowid);
    const inScope = row && row.model === set.model && (set.agent === null || row.agent === set.agent);
    if (!inScope || !set.put(row)) set.remove(rowid);
  }
  set.seq = Math.max(set.seq, ...changes.map((change) => change.seq));
}

/**
 * Reads the scope's vectors of `model` page by page: sign bits always, int8 vectors while the set
 * fits the budget and one page holds them (else they follow: fillRerankVectors). `seq` was read
 * before the first page, so a change made during the load is applied again by the next sync
 * (applying a change is idempotent).
 */
async function loadVectorSet(
  meter: QueryMeter,
  db: Db,
  agent: string | null,
  model: string,
  seq: number,
): Promise<VectorSet> {
  const key = keyOf(agent, model);
  sets.delete(key);
  const room = rerankBudgetBytes - [...sets.values()].reduce((sum, other) => sum + other.rerankBytes, 0);
  // The rowid range bounds the count from above: the precision is chosen before the first page.
  const [[range]] = await meter.run([vectorRangeQuery(db, agent, model)] as const);
  const most = range?.first == null || range.last == null ? 0 : range.last - range.first + 1;
  const set = new VectorSet(agent, model, precisionFor(most, usualDimensions(model), room));
  const withQ8 = set.precision !== "bits" && most <= pageRows.withQ8;
  set.seq = seq;
  let after = 0;
  while (true) {
    const limit = withQ8 ? pageRows.withQ8 : signPageRows(usualDimensions(model), pageRows.bitsOnly);
    // Slots are reserved two pages ahead, at least doubling (the range overcounts when agents interleave).
    const capacity = Math.min(most, Math.max(set.size + 2 * limit, 2 * set.size));
    const packed = withQ8 ? undefined : await readSignPage(meter, db, set, { agent, model, after, limit }, capacity);
    let count: number;
    if (packed !== undefined) {
      count = packed.count;
      after = packed.last;
    } else {
      const [rows] = await meter.run([vectorPageQuery(db, { agent, model, after, limit, withQ8 })] as const);
      set.reserve(rows.length);
      for (const row of rows) set.put(row);
      count = rows.length;
      if (count > 0) after = rows[rows.length - 1]!.engram_rowid;
    }
    // More rows than the range promised room for (another model's rows interleave): coarsen.
    if (set.precision !== "bits") set.coarsen(precisionFor(set.size, set.dims, room));
    if (count < limit) break;
  }
  sets.set(key, set);
  evictBeyondBudget(key);
  return set;
}

/** The fills under way, one per set. */
const filling = new WeakMap<VectorSet, Promise<number>>();

/**
 * Reads the next page of the int8 vectors a set loaded sign bits first still misses (in rowid order,
 * from where the last page ended), and resolves to the D1 rows read. One page per call, so each
 * recall's background stays within a request's CPU: the recalls that follow a cold load fill the set
 * a page each (a recall meanwhile reads its candidates' vectors, fillMissingRerank). One fill runs per
 * set; a vector that changed meanwhile is not overwritten (the change log's sync stored the newer
 * one). Never rejects: a failed page is read again by the next recall.
 */
export function fillRerankVectors(meter: QueryMeter, db: Db, set: VectorSet): Promise<number> {
  const running = filling.get(set);
  if (running) return running.then(() => 0);
  const fill = (async () => {
    const before = meter.rowsRead;
    try {
      if (set.missing === 0 || sets.get(keyOf(set.agent, set.model)) !== set) return 0;
      const page = { agent: set.agent, model: set.model, after: set.filledThrough, limit: pageRows.fill };
      const [rows] = await meter.run([q8PageQuery(db, page)] as const);
      for (const row of rows) {
        const slot = set.slotOf(row.engram_rowid);
        if (slot >= 0 && row.q8) set.fillRerank(slot, row.q8);
      }
      // The last page: a later fill (vectors still missing) starts over.
      set.filledThrough = rows.length < page.limit ? 0 : rows[rows.length - 1]!.engram_rowid;
    } catch (error) {
      logMemoryFailure("memory_vector_fill_failed", error);
    } finally {
      filling.delete(set);
    }
    return meter.rowsRead - before;
  })();
  filling.set(set, fill);
  return fill;
}

/** Reads the int8 vectors some slots miss (a scan's candidates, while the fill has not reached them). */
export async function fillMissingRerank(
  meter: QueryMeter,
  db: Db,
  set: VectorSet,
  slots: readonly number[],
): Promise<void> {
  const rowids = [...new Set(slots.filter((slot) => set.alive[slot] && !set.hasRerank(slot)))].map(
    (slot) => set.rowids[slot]!,
  );
  if (rowids.length === 0) return;
  for (const rows of await meter.run(q8ByRowidQueries(db, rowids))) {
    for (const row of rows) {
      const slot = set.slotOf(row.engram_rowid);
      if (slot >= 0 && row.model === set.model && row.q8) set.fillRerank(slot, row.q8);
    }
  }
}

/** The finest re-rank precision whose vectors for `count` engrams fit `room` bytes. */
function precisionFor(count: number, dims: number, room: number): Precision {
  if (count * dims <= room) return "q8";
  if (count * Math.ceil(dims / 2) <= room) return "q4";
  return "bits";
}

function evictBeyondBudget(keep: string): void {
  let total = [...sets.values()].reduce((sum, set) => sum + set.bytes, 0);
  const byAge = [...sets.entries()].filter(([key]) => key !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
  for (const [key, set] of byAge) {
    if (total <= totalBudgetBytes) break;
    sets.delete(key);
    total -= set.bytes;
  }
}

/**
 * After everything was erased: the change log goes too (it names agents) and its floor rises past
 * every entry, so every worker's cached vectors reload; this worker's are dropped at once.
 */
export async function forgetChangeLog(meter: QueryMeter, db: Db): Promise<void> {
  forgetVectorCache();
  await meter.run(clearChangesQueries(db));
}
