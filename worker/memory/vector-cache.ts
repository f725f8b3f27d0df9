import type { KVNamespace } from "@cloudflare/workers-types/index";
import type { Db } from "../db/database";
import { QueryMeter } from "../db/engram-meter";
import {
  changeLogStateQuery,
  changesSinceQuery,
  clearChangesQueries,
  latestChangesQuery,
  q8ByRowidQueries,
  q8PageQuery,
  vectorPageQuery,
  vectorRangeQuery,
  vectorsByRowidQuery,
} from "../db/engram-vector-queries";
import { usualDimensions } from "./embedder";
import { logMemoryFailure, type Memory } from "./memory-context";
import { readSignPage, signPageRows } from "./sign-page";
import { VectorSet, type Precision } from "./vector-set";
import { deleteSnapshots, readSnapshot, writeSnapshot, type VectorSnapshot } from "./vector-snapshot";

/**
 * The per-isolate cache of compact vectors, one VectorSet per (scope, model). A recall first asks
 * the change log what changed since the set's last entry (one indexed read, usually empty, in the
 * same round trip as the full-text query); changes are applied row by row; a set that is missing,
 * older than the log's floor, or too far behind is loaded again. A set of more than one page of
 * int8 vectors is loaded sign bits first: the recall that loads it reads the int8 vectors of its
 * candidates only, and the others follow in the background (fillRerankVectors), a page at a time.
 *
 * Such a set is also kept as a binary snapshot in KV (vector-snapshot.ts), written in the background
 * after a load from D1 and again once the set has applied `snapshotRefreshChanges` changes since: an
 * isolate without the set reads the snapshot (started as the recall starts, beside the first batch,
 * which then asks for the scope's latest changes) and applies the changes made since it was written.
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
/** A set that applied this many changes since its snapshot was written writes it again. */
export const snapshotRefreshChanges = 32;
/**
 * Rows per page of a cold load (few statements: D1 counts them; each answer a few MB), and of the
 * int8 vectors a recall's background fills in (about 3 MB of hex: a few ms of CPU).
 */
const pageRows = { withQ8: 5_000, bitsOnly: 20_000, fill: 2_000 };

/** Where a set is loaded from: D1, and the snapshots in KV when there is a KV. */
export interface VectorSource {
  db: Db;
  kv?: KVNamespace | undefined;
}

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

/**
 * The queries that tell whether the cached set is current (`queries`: run them, named as they are,
 * in the caller's first batch, and hand their answers to freshnessOf). Without a cached set, they
 * ask for the scope's rowid range (a load's first question) and latest changes (one more than a sync
 * applies), and the snapshot in KV is read meanwhile: a snapshot that those changes cover loads
 * without another round trip.
 */
export function freshnessQueries(source: VectorSource, agent: string | null, model: string) {
  const set = cachedVectorSet(agent, model);
  const { db, kv } = source;
  return {
    queries: {
      state: changeLogStateQuery(db),
      changes: set ? changesSinceQuery(db, agent, set.seq, maxChangesApplied + 1) : undefined,
      range: set ? undefined : vectorRangeQuery(db, agent, model),
      latest: !set && kv ? latestChangesQuery(db, agent, maxChangesApplied + 1) : undefined,
    },
    snapshot: !set && kv ? readSnapshotQuietly(kv, agent, model) : undefined,
  };
}

/** The answers to freshnessQueries' `queries` (as the batch returned them) and its snapshot, as currentVectorSet takes them. */
export function freshnessOf(
  answers: {
    state?: readonly NonNullable<Freshness["state"]>[] | undefined;
    changes?: Change[] | undefined;
    range?: readonly RowidRange[] | undefined;
    latest?: Change[] | undefined;
  },
  snapshot: Freshness["snapshot"],
): Freshness {
  return {
    state: answers.state?.[0],
    changes: answers.changes,
    range: answers.range?.[0],
    latest: answers.latest,
    snapshot,
  };
}

export interface Freshness {
  state: { floor: number; latest: number | null } | undefined;
  changes: Change[] | undefined;
  /** Without a cached set: the scope's first and last rowid of the model. */
  range?: RowidRange | undefined;
  /** Without a cached set: the scope's latest changes, newest first. */
  latest?: Change[] | undefined;
  snapshot?: Promise<VectorSnapshot | undefined> | undefined;
}

type Change = { seq: number; engram_rowid: number };
type RowidRange = { first: number | null; last: number | null };

/** At most how many vectors a rowid range holds. */
function mostIn(range: RowidRange | undefined): number {
  return range?.first == null || range.last == null ? 0 : range.last - range.first + 1;
}

/** How the set was found: current, patched from the change log, loaded from KV's snapshot, or from D1. */
export type CacheState = "warm" | "synced" | "snapshot" | "cold";

/** The set brought up to date with what `freshnessQueries` returned. */
export async function currentVectorSet(
  meter: QueryMeter,
  source: VectorSource,
  agent: string | null,
  model: string,
  freshness: Freshness,
): Promise<{ set: VectorSet; state: CacheState }> {
  const floor = freshness.state?.floor ?? 0;
  const latest = Math.max(floor, freshness.state?.latest ?? 0);
  let set = cachedVectorSet(agent, model);
  const changes = freshness.changes;
  let state: CacheState = "warm";
  if (!set) {
    set = await loadSnapshot(meter, source, agent, model, { floor, freshness });
    state = "snapshot";
  }
  if (!set || (state === "warm" && (!changes || set.seq < floor || changes.length > maxChangesApplied))) {
    set = await loadVectorSet(meter, source.db, { agent, model, seq: latest, range: freshness.range });
    state = "cold";
  } else if (state === "warm" && changes!.length > 0) {
    await applyChanges(meter, source.db, set, changes!);
    state = "synced";
  }
  set.lastUsed = Date.now();
  return { set, state };
}

async function applyChanges(meter: QueryMeter, db: Db, set: VectorSet, changes: Change[]): Promise<void> {
  const rowids = [...new Set(changes.map((change) => change.engram_rowid))];
  const [rows] = await meter.run([vectorsByRowidQuery(db, rowids, set.precision !== "bits")] as const);
  const current = new Map(rows.map((row) => [row.engram_rowid, row]));
  for (const rowid of rowids) {
    const row = current.get(rowid);
    const inScope = row && row.model === set.model && (set.agent === null || row.agent === set.agent);
    if (!inScope || !set.put(row)) set.remove(rowid);
  }
  set.seq = Math.max(set.seq, ...changes.map((change) => change.seq));
  set.unsavedChanges += rowids.length;
}

/**
 * The set from its snapshot in KV and the changes made since (read in the first batch, or now);
 * undefined when there is no snapshot or it cannot be brought up to date: older than the log's
 * floor, or more changes since than a sync applies.
 */
async function loadSnapshot(
  meter: QueryMeter,
  source: VectorSource,
  agent: string | null,
  model: string,
  known: { floor: number; freshness: Freshness },
): Promise<VectorSet | undefined> {
  const { freshness } = known;
  // A set that small has no snapshot (saveSnapshotIfDue): not waited for.
  if (!source.kv || (freshness.range && mostIn(freshness.range) <= pageRows.withQ8)) return undefined;
  const snapshot = await (freshness.snapshot ?? readSnapshotQuietly(source.kv, agent, model));
  if (!snapshot || snapshot.seq < known.floor) return undefined;
  let since: Change[];
  if (freshness.latest) {
    const oldest = freshness.latest[freshness.latest.length - 1];
    // The latest changes hold every change since the snapshot if they reach back to it, or are all there are.
    if (freshness.latest.length > maxChangesApplied && oldest!.seq > snapshot.seq) return undefined;
    since = freshness.latest.filter((change) => change.seq > snapshot.seq).reverse();
  } else {
    [since] = await meter.run([changesSinceQuery(source.db, agent, snapshot.seq, maxChangesApplied + 1)] as const);
    if (since.length > maxChangesApplied) return undefined;
  }
  const count = snapshot.rowids.length;
  const set = new VectorSet(agent, model, precisionFor(count, snapshot.dims, roomFor(keyOf(agent, model))));
  if (!set.appendSigns(snapshot, count)) return undefined;
  set.seq = snapshot.seq;
  if (since.length > 0) await applyChanges(meter, source.db, set, since);
  keep(set);
  return set;
}

function readSnapshotQuietly(kv: KVNamespace, agent: string | null, model: string) {
  return readSnapshot(kv, agent, model).catch((error: unknown) => {
    logMemoryFailure("memory_snapshot_read_failed", error);
    return undefined;
  });
}

/** The writes under way, one per set; and when a failed one may be tried again. */
const saving = new WeakSet<VectorSet>();
const retryAfter = new WeakMap<VectorSet, number>();
const retryDelayMs = 10 * 60_000;

/**
 * Writes the set's snapshot to KV when it is due: a set of more than one page of int8 vectors (the
 * ones loaded sign bits first) loaded from D1, or that applied `snapshotRefreshChanges` changes since
 * its snapshot. What it wrote is deleted again if the set was dropped meanwhile, or the change log's
 * floor passed it (an erase, in any isolate: the erase raises the floor before it deletes the
 * snapshots, so either its delete comes after this write or this check sees the floor). Never rejects.
 */
export async function saveSnapshotIfDue(meter: QueryMeter, source: VectorSource, set: VectorSet): Promise<boolean> {
  const { kv } = source;
  const key = keyOf(set.agent, set.model);
  const due =
    kv !== undefined &&
    set.live > pageRows.withQ8 &&
    set.unsavedChanges >= snapshotRefreshChanges &&
    sets.get(key) === set &&
    !saving.has(set) &&
    (retryAfter.get(set) ?? 0) <= Date.now();
  if (!due) return false;
  saving.add(set);
  const pending = set.unsavedChanges;
  try {
    await writeSnapshot(kv, set);
    set.unsavedChanges -= pending;
    const [[state]] = await meter.run([changeLogStateQuery(source.db)] as const);
    if (sets.get(key) !== set || (state?.floor ?? 0) > set.seq) {
      await deleteSnapshots(kv, { agent: set.agent, model: set.model });
      return false;
    }
    return true;
  } catch (error) {
    retryAfter.set(set, Date.now() + retryDelayMs);
    logMemoryFailure("memory_snapshot_write_failed", error);
    return false;
  } finally {
    saving.delete(set);
  }
}

/**
 * Deletes every snapshot (engrams were deleted, or everything erased: no copy keeps their sign
 * bits); the sets cached here are due to write theirs again (resaveSnapshots, or their next recall)
 * once they have applied the deletions. Returns how many parts were deleted.
 */
export async function forgetVectorSnapshots(kv: KVNamespace): Promise<number> {
  for (const set of sets.values()) set.unsavedChanges = Math.max(set.unsavedChanges, snapshotRefreshChanges);
  return deleteSnapshots(kv);
}

/**
 * Brings the sets cached here up to date and writes the snapshots that are due (after a deletion
 * deleted them all), so new isolates need not read D1 until a recall here writes them. Never rejects.
 */
export async function resaveSnapshots(source: Pick<Memory, "d1" | "db" | "kv">): Promise<void> {
  // Only the sets large enough to have a snapshot (saveSnapshotIfDue).
  for (const { agent, model } of [...sets.values()].filter((set) => set.live > pageRows.withQ8)) {
    try {
      const meter = new QueryMeter(source.d1);
      const freshness = freshnessQueries(source, agent, model);
      const fresh = await meter.runNamed(freshness.queries);
      const { set } = await currentVectorSet(meter, source, agent, model, freshnessOf(fresh, freshness.snapshot));
      await saveSnapshotIfDue(meter, source, set);
    } catch (error) {
      logMemoryFailure("memory_snapshot_write_failed", error);
    }
  }
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
  load: { agent: string | null; model: string; seq: number; range: RowidRange | undefined },
): Promise<VectorSet> {
  const { agent, model, seq } = load;
  sets.delete(keyOf(agent, model));
  // The rowid range bounds the count from above: the precision is chosen before the first page.
  const most = mostIn(load.range ?? (await meter.run([vectorRangeQuery(db, agent, model)] as const))[0][0]);
  const room = roomFor(keyOf(agent, model));
  const set = new VectorSet(agent, model, precisionFor(most, usualDimensions(model), room));
  const withQ8 = set.precision !== "bits" && most <= pageRows.withQ8;
  set.seq = seq;
  // Loaded from D1: its snapshot is written in the background (if it is large enough to have one).
  set.unsavedChanges = snapshotRefreshChanges;
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
  keep(set);
  return set;
}

/** The re-rank budget the other sets leave. */
function roomFor(key: string): number {
  let used = 0;
  for (const [other, set] of sets) if (other !== key) used += set.rerankBytes;
  return rerankBudgetBytes - used;
}

/** The set becomes its scope's cached one; older sets go beyond the budget. */
function keep(set: VectorSet): void {
  const key = keyOf(set.agent, set.model);
  sets.set(key, set);
  evictBeyondBudget(key);
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
