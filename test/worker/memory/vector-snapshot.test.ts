import type { D1Database, KVNamespace } from "@cloudflare/workers-types/index";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../../worker/db/database";
import { QueryMeter } from "../../../worker/db/engram-meter";
import type { Env } from "../../../worker/env";
import { embeddingModels } from "../../../worker/llm/provider-catalog";
import { recall } from "../../../worker/memory/hybrid-recall";
import { memoryFor } from "../../../worker/memory/memory-context";
import {
  currentVectorSet,
  forgetVectorCache,
  freshnessOf,
  freshnessQueries,
  maxChangesApplied,
  saveSnapshotIfDue,
  type VectorSource,
} from "../../../worker/memory/vector-cache";
import { VectorSet } from "../../../worker/memory/vector-set";
import {
  decodeSnapshot,
  deleteSnapshots,
  encodeSnapshot,
  readSnapshot,
  snapshotPrefix,
  type VectorSnapshot,
} from "../../../worker/memory/vector-snapshot";
import { waitFor } from "../../support/memory-vectors";
import { testAgentId, useWorker } from "../../support/worker-harness";

/**
 * Snapshots of large vector sets in KV (worker/memory/vector-snapshot.ts): written after a load from
 * D1, loaded by an isolate without the set and brought up to date from the change log, refused when
 * they cannot be, and deleted when engrams are. The cache runs here in Node against the worker's
 * real D1 and KV (miniflare); "a new isolate" is the cache dropped (forgetVectorCache).
 */

// The worker embeds with the built-in hashing embedding, the model of the vectors seeded here.
const harness = useWorker({ EMBEDDING_PROVIDER: "hash" });
const agent = "snapshots";
const { model, dims } = embeddingModels.hash;
const seeded = 5_500;

beforeAll(async () => {
  const d1 = await harness.d1();
  await d1
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${seeded})
       INSERT INTO engrams (id, agent, text, importance, created_at)
       SELECT 'snap-' || i, ?, 'snapshot memory number ' || i, (i % 10) / 10.0,
         datetime('2026-01-01', '+' || i || ' seconds') FROM n`,
    )
    .bind(agent)
    .run();
  await d1
    .prepare(
      `UPDATE engram_vectors SET model = ?, dims = ?, bits = randomblob(?), q8 = randomblob(?), scale = 0.01,
         embedded_at = datetime('now') WHERE agent = ?`,
    )
    .bind(model, dims, dims / 8, dims, agent)
    .run();
});

async function stores(): Promise<{ d1: D1Database; kv: KVNamespace }> {
  return { d1: await harness.d1(), kv: await harness.kv() };
}

/** The set as a recall finds it: the first batch's freshness queries, then the cache. */
async function load(withKv = true, scope = agent) {
  const { d1, kv } = await stores();
  const source: VectorSource = { db: createDb(d1), ...(withKv && { kv }) };
  const meter = new QueryMeter(d1);
  const freshness = freshnessQueries(source, scope, model);
  const first = await meter.runNamed(freshness.queries);
  const loaded = await currentVectorSet(meter, source, scope, model, freshnessOf(first, freshness.snapshot));
  return { ...loaded, source, roundTrips: meter.roundTrips };
}

/** The live slots' rowids, sign bits and weights. */
function contents(set: VectorSet) {
  const live = [...Array(set.size).keys()].filter((slot) => set.alive[slot]);
  return {
    rowids: live.map((slot) => set.rowids[slot]),
    bits: live.map((slot) => [...set.bits.subarray(slot * set.words, (slot + 1) * set.words)].join()),
    importance: live.map((slot) => Math.round(set.importance[slot]! * 1e4)),
    updatedMs: live.map((slot) => set.updatedMs[slot]),
  };
}

async function meter(): Promise<QueryMeter> {
  return new QueryMeter(await harness.d1());
}

async function snapshotKeys(): Promise<string[]> {
  const listed = await (await harness.kv()).list({ prefix: snapshotPrefix });
  return listed.keys.map((key) => key.name);
}

/** A fresh load from D1 alone (no KV), for comparison; the cache is dropped again after. */
async function fromD1() {
  forgetVectorCache();
  const { set } = await load(false);
  forgetVectorCache();
  return set;
}

describe("a snapshot of a large vector set in KV", () => {
  it("is written after a load from D1, and a new isolate loads the same set from it", async () => {
    forgetVectorCache();
    await deleteSnapshots((await stores()).kv);
    const cold = await load();
    expect(cold.state).toBe("cold");
    expect(await saveSnapshotIfDue(await meter(), cold.source, cold.set)).toBe(true);
    expect(await snapshotKeys()).toEqual([`${snapshotPrefix}agent=${agent}/${model}/0`]);
    // Written once: nothing changed since.
    expect(await saveSnapshotIfDue(await meter(), cold.source, cold.set)).toBe(false);

    forgetVectorCache();
    const warmed = await load();
    expect(warmed.state).toBe("snapshot");
    expect(warmed.roundTrips).toBe(1);
    expect(warmed.set.seq).toBe(cold.set.seq);
    expect(contents(warmed.set)).toEqual(contents(cold.set));
    expect(warmed.set.live).toBe(seeded);
    // The int8 vectors follow, as after a load of sign bits first from D1.
    expect(warmed.set.missing).toBe(seeded);
  });

  it("is brought up to date with the changes made since it was written", async () => {
    const { d1 } = await stores();
    await d1.prepare("DELETE FROM engrams WHERE id = 'snap-10'").run();
    await d1.prepare("UPDATE engrams SET importance = 0.95 WHERE id = 'snap-20'").run();
    await d1
      .prepare(
        `INSERT INTO engrams (id, agent, text, created_at) VALUES ('snap-new', ?, 'a newer snapshot memory', datetime('now'))`,
      )
      .bind(agent)
      .run();
    await d1
      .prepare(
        `UPDATE engram_vectors SET model = ?, dims = ?, bits = randomblob(?), q8 = randomblob(?), scale = 0.01
         WHERE engram_rowid = (SELECT rowid FROM engrams WHERE id = 'snap-new')`,
      )
      .bind(model, dims, dims / 8, dims)
      .run();
    const expected = await fromD1();

    const synced = await load();
    expect(synced.state).toBe("snapshot");
    expect(contents(synced.set)).toEqual(contents(expected));
    expect(synced.set.live).toBe(seeded);
    // Changes applied since the snapshot: not yet enough to write it again.
    expect(synced.set.unsavedChanges).toBeGreaterThan(0);
    expect(await saveSnapshotIfDue(await meter(), synced.source, synced.set)).toBe(false);
  });

  it("is not used when more changes were made since than a sync applies, and is written again", async () => {
    const { d1 } = await stores();
    await d1
      .prepare(
        `UPDATE engrams SET importance = 0.42 WHERE id IN
           (SELECT id FROM engrams WHERE agent = ? AND id LIKE 'snap-1%' LIMIT ${maxChangesApplied + 6})`,
      )
      .bind(agent)
      .run();
    forgetVectorCache();
    const reloaded = await load();
    expect(reloaded.state).toBe("cold");
    expect(await saveSnapshotIfDue(await meter(), reloaded.source, reloaded.set)).toBe(true);
    forgetVectorCache();
    const again = await load();
    expect(again.state).toBe("snapshot");
    expect(contents(again.set)).toEqual(contents(reloaded.set));
  });

  it("is not used once the change log no longer reaches back to it (pruned or erased)", async () => {
    const { d1 } = await stores();
    await d1
      .prepare(
        "UPDATE memory_change_floor SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'memory_changes') + 1",
      )
      .run();
    forgetVectorCache();
    expect((await load()).state).toBe("cold");
  });

  it("is deleted again when the change log's floor passed it while it was written (an erase elsewhere)", async () => {
    const { d1, kv } = await stores();
    forgetVectorCache();
    const { set, source } = await load(false);
    await d1
      .prepare(
        "UPDATE memory_change_floor SET seq = max(seq, coalesce((SELECT max(seq) FROM memory_changes), 0)) + 10",
      )
      .run();
    expect(await saveSnapshotIfDue(await meter(), { ...source, kv }, set)).toBe(false);
    expect((await snapshotKeys()).filter((key) => key.includes(`agent=${agent}/`))).toEqual([]);
  });

  it("makes a recall that answers as a load from D1 does, in fewer round trips", async () => {
    const { d1, kv } = await stores();
    const memory = memoryFor({ DB: d1, SESSION: kv, EMBEDDING_PROVIDER: "hash" } as unknown as Env);
    const request = { agent, query: "snapshot memory number 4321", limit: 5 };
    forgetVectorCache();
    const fromD1Recall = await recall({ ...memory, kv: undefined }, request);
    await fromD1Recall.background;
    expect(fromD1Recall.trace.cache).toBe("cold");
    // The load from D1 wrote no snapshot without a KV; this one writes it.
    forgetVectorCache();
    const writer = await recall(memory, request);
    await writer.background;
    expect(writer.trace.cache).toBe("cold");

    forgetVectorCache();
    const fromSnapshot = await recall(memory, request);
    await fromSnapshot.background;
    expect(fromSnapshot.trace.cache).toBe("snapshot");
    expect(fromSnapshot.results.map((row) => row.id)).toEqual(fromD1Recall.results.map((row) => row.id));
    expect(fromSnapshot.results.map((row) => row.similarity)).toEqual(
      fromD1Recall.results.map((row) => row.similarity),
    );
    expect(fromSnapshot.trace.roundTrips).toBeLessThan(fromD1Recall.trace.roundTrips);
  });

  it("is deleted with an engram deleted through the API, and written again without it", async () => {
    const { d1, kv } = await stores();
    await d1
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${seeded})
         INSERT INTO engrams (id, agent, text, created_at)
         SELECT 'api-' || i, ?, 'seeded api memory ' || i, datetime('2026-01-01', '+' || i || ' seconds') FROM n`,
      )
      .bind(testAgentId)
      .run();
    await d1
      .prepare(
        `UPDATE engram_vectors SET model = ?, dims = ?, bits = randomblob(?), q8 = randomblob(?), scale = 0.01,
           embedded_at = datetime('now') WHERE agent = ? AND model != ?`,
      )
      .bind(model, dims, dims / 8, dims, testAgentId, model)
      .run();
    const stored = await harness.request("POST", "/api/memories", { text: "a memory to delete", core_concepts: [] });
    expect(stored.status, stored.text).toBe(201);
    const rowid = await d1.prepare("SELECT rowid FROM engrams WHERE id = ?").bind(stored.body.id).first<number>("rowid");
    // The worker's own recall loads the agent's set from D1 and writes its snapshot in the background.
    const searched = await harness.request("POST", "/api/memories/search", { query: "a memory to delete", limit: 3 });
    expect(searched.status, searched.text).toBe(200);
    expect(searched.body.results[0].id).toBe(stored.body.id);
    const written = await waitFor(() => readSnapshot(kv, testAgentId, model), "the worker's snapshot");
    expect(Array.from(written.rowids)).toContain(rowid);
    expect(await snapshotKeys()).toContain(`${snapshotPrefix}agent=${agent}/${model}/0`);

    const deleted = await harness.request("DELETE", `/api/memories/${stored.body.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    // Every snapshot went; the worker writes its set's again, without the deleted engram.
    const rewritten = await waitFor(async () => {
      const snapshot = await readSnapshot(kv, testAgentId, model);
      return snapshot && snapshot.seq > written.seq && snapshot;
    }, "the snapshot written again");
    expect(Array.from(rewritten.rowids)).not.toContain(rowid);
    expect(rewritten.rowids.length).toBe(seeded);
    expect(await snapshotKeys()).toEqual([`${snapshotPrefix}agent=${testAgentId}/${model}/0`]);
  });

  it("is replaced when a memory's text is edited, without the old text's sign bits", async () => {
    const { d1, kv } = await stores();
    const stored = await harness.request("POST", "/api/memories", { text: "copper kettle on the stove", core_concepts: [] });
    expect(stored.status, stored.text).toBe(201);
    const rowid = (await d1.prepare("SELECT rowid FROM engrams WHERE id = ?").bind(stored.body.id).first<number>("rowid"))!;
    // A snapshot holding the old text's bits, written here from D1.
    forgetVectorCache();
    const loaded = await load(false, testAgentId);
    expect(loaded.state).toBe("cold");
    expect(await saveSnapshotIfDue(await meter(), { ...loaded.source, kv }, loaded.set)).toBe(true);
    forgetVectorCache();
    const bitsOf = (snapshot: VectorSnapshot) => {
      const index = Array.from(snapshot.rowids).indexOf(rowid);
      const words = snapshot.bits.length / snapshot.rowids.length;
      return index < 0 ? undefined : Array.from(snapshot.bits.subarray(index * words, (index + 1) * words)).join();
    };
    const before = (await readSnapshot(kv, testAgentId, model))!;
    const oldBits = bitsOf(before);
    expect(oldBits).toBeDefined();

    const edited = await harness.request("PATCH", `/api/memories/${stored.body.id}`, {
      text: "violin lessons every tuesday evening",
    });
    expect(edited.status, edited.text).toBe(200);
    const rewritten = await waitFor(async () => {
      const snapshot = await readSnapshot(kv, testAgentId, model);
      return snapshot && snapshot.seq > before.seq && snapshot;
    }, "the snapshot written again after the edit");
    expect(bitsOf(rewritten)).not.toBe(oldBits);
  });

  it("is deleted by an erase", async () => {
    expect((await snapshotKeys()).length).toBeGreaterThan(0);
    const erased = await harness.request("DELETE", "/api/data", { confirm: "erase everything" });
    expect(erased.status, erased.text).toBe(200);
    expect(await snapshotKeys()).toEqual([]);
    const { d1 } = await stores();
    expect(await d1.prepare("SELECT count(*) AS n FROM engram_vectors").first("n")).toBe(0);
  });
});

describe("the snapshot's binary form", () => {
  /** A set of `count` random 96-dimension sign bits, every third slot deleted. */
  function sampleSet(count: number): VectorSet {
    const set = new VectorSet("a", "m", "bits");
    let state = 17;
    const next = () => (state = (state * 16807) % 2147483647);
    for (let index = 0; index < count; index++) {
      set.put({
        engram_rowid: 2 * index + 1,
        dims: 96,
        bits: Array.from({ length: 3 }, () => next().toString(16).padStart(8, "0").slice(-8)).join(""),
        scale: null,
        importance: (index % 7) / 7,
        updated_at: null,
        updatedMs: 1_700_000_000_000 + index,
      });
    }
    for (let index = 0; index < count; index += 3) set.remove(2 * index + 1);
    set.seq = 321;
    return set;
  }

  function restored(parts: ArrayBuffer[]): VectorSet {
    const snapshot = decodeSnapshot(parts)!;
    expect(snapshot.seq).toBe(321);
    const set = new VectorSet("a", "m", "bits");
    expect(set.appendSigns(snapshot, snapshot.rowids.length)).toBe(true);
    return set;
  }

  it("keeps the live slots in one part, or split across several", () => {
    const set = sampleSet(1_000);
    const one = encodeSnapshot(set, 5);
    expect(one).toHaveLength(1);
    expect(contents(restored(one))).toEqual(contents(set));
    const several = encodeSnapshot(set, 6, 10_000);
    expect(several.length).toBeGreaterThan(2);
    expect(several.every((part) => part.byteLength <= 10_000)).toBe(true);
    expect(contents(restored(several))).toEqual(contents(set));
    expect(restored(several).live).toBe(set.live);
  });

  it("is refused when its parts do not make one snapshot", () => {
    const set = sampleSet(1_000);
    const parts = encodeSnapshot(set, 7, 10_000);
    const other = encodeSnapshot(set, 8, 10_000);
    expect(decodeSnapshot(parts)).toBeDefined();
    // A part of another write, a part missing, a part cut short, another format.
    expect(decodeSnapshot([parts[0]!, other[1]!, ...parts.slice(2)])).toBeUndefined();
    expect(decodeSnapshot(parts.slice(0, -1))).toBeUndefined();
    expect(decodeSnapshot([parts[0]!.slice(0, parts[0]!.byteLength - 4), ...parts.slice(1)])).toBeUndefined();
    const foreign = parts[0]!.slice(0);
    new DataView(foreign).setUint32(4, 99, true);
    expect(decodeSnapshot([foreign, ...parts.slice(1)])).toBeUndefined();
    expect(decodeSnapshot([new ArrayBuffer(10)])).toBeUndefined();
  });

  it("is not appended when its rowids are out of order, nothing stored", () => {
    const [part] = encodeSnapshot(sampleSet(50), 9);
    const rowids = new Float64Array(part!, 64, 2);
    [rowids[0], rowids[1]] = [rowids[1]!, rowids[0]!];
    const snapshot = decodeSnapshot([part!])!;
    const set = new VectorSet("a", "m", "bits");
    expect(set.appendSigns(snapshot, snapshot.rowids.length)).toBe(false);
    expect({ size: set.size, live: set.live }).toEqual({ size: 0, live: 0 });
  });
});
