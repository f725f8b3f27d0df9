import { describe, expect, it } from "vitest";
import { createDb } from "../../../worker/db/database";
import { QueryMeter } from "../../../worker/db/engram-meter";
import { vectorPageQuery } from "../../../worker/db/engram-vector-queries";
import { SignBitStore } from "../../../worker/memory/sign-bit-store";
import { currentVectorSet, fillRerankVectors, forgetVectorCache } from "../../../worker/memory/vector-cache";
import { readSignPage } from "../../../worker/memory/sign-page";
import { timestampMs, VectorSet } from "../../../worker/memory/vector-set";
import { testAgentId, useWorker } from "../../support/worker-harness";

/**
 * A cold load's CPU: sign pages decoded in WebAssembly (eight hex digits at a time), the engrams'
 * records as fixed-width hex, and the store grown in place.
 */

function randomHex(bytes: number, next: () => number): string {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(next() * 256))).toString("hex");
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

describe("hex decoded in WebAssembly", () => {
  it("decodes any length, either case, past the scratch's size, as Node decodes it", () => {
    const store = new SignBitStore(24, 4);
    const next = seeded(11);
    for (const bytes of [0, 1, 3, 4, 5, 8, 13, 96, 1_000, 40_000, 70_001]) {
      const lower = randomHex(bytes, next);
      for (const hex of [lower, lower.toUpperCase()]) {
        expect(Buffer.from(store.bytesFromHex(hex)).toString("hex"), `${bytes} bytes`).toBe(lower);
      }
    }
  });

  it("returns an int8 vector's squared norm with its values, whatever the length", () => {
    const store = new SignBitStore(24, 4);
    for (const length of [1, 7, 8, 9, 768]) {
      const values = Int8Array.from({ length }, (_, index) => ((index * 37) % 255) - 127);
      const { values: decoded, squares } = store.int8FromHex(Buffer.from(values.buffer).toString("hex"));
      expect([...decoded]).toEqual([...values]);
      expect(squares).toBe(values.reduce((sum, value) => sum + value * value, 0));
    }
  });
});

describe("a sign-bit store grown in place", () => {
  it("keeps its slots' bits and live flags, starts the new slots dead, and scans them all", () => {
    const words = 3;
    const store = new SignBitStore(words, 5);
    const next = seeded(5);
    const bits = Uint32Array.from({ length: 5 * words }, () => Math.floor(next() * 2 ** 32));
    store.bits.set(bits);
    store.alive.set([1, 0, 1, 1, 1]);
    store.grow(300, 5);
    expect(store.capacity).toBe(300);
    expect([...store.bits.subarray(0, 5 * words)]).toEqual([...bits]);
    expect([...store.alive.subarray(0, 5)]).toEqual([1, 0, 1, 1, 1]);
    expect(store.alive.subarray(5).every((flag) => flag === 0)).toBe(true);

    store.bits.set([1, 2, 3], 299 * words);
    store.alive[299] = 1;
    const query = Uint32Array.of(0, 0, 0);
    const { distances, histogram } = store.distances(query, 300);
    const popcount = (word: number) => word.toString(2).replaceAll("0", "").length;
    const expected = (slot: number) =>
      [0, 1, 2].reduce((sum, word) => sum + popcount(store.bits[slot * words + word]!), 0);
    expect(distances[0]).toBe(expected(0));
    expect(distances[1]).toBe(0xffff);
    expect(distances[4]).toBe(expected(4));
    expect(distances[299]).toBe(4);
    expect([...histogram].reduce((sum, count) => sum + count, 0)).toBe(5);
  });
});

describe("a sign page read from D1 as one row", () => {
  const harness = useWorker({ EMBEDDING_PROVIDER: "hash" });

  it("stores what reading the same vectors row by row stores, importance and times included", async () => {
    const d1 = await harness.d1();
    await d1
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO engrams (id, agent, text, importance, created_at, updated_at)
         SELECT 'page-' || i, ?, 'paged memory ' || i, (i % 11) / 10.0, datetime('2026-01-01', '+' || i || ' minutes'),
           datetime('2026-01-01', '+' || i || ' minutes') FROM n`,
      )
      .bind(testAgentId)
      .run();
    await d1
      .prepare(
        `UPDATE engram_vectors SET model = 'page-model', dims = 64, bits = randomblob(8), q8 = randomblob(64),
           scale = 0.01, embedded_at = datetime('now')
         WHERE engram_rowid IN (SELECT rowid FROM engrams WHERE id LIKE 'page-%')`,
      )
      .run();
    // An importance out of range (clamped to 1, as recall's weight clamps it) and an unknown time (now).
    await d1
      .prepare(
        "UPDATE engram_vectors SET importance = 1.7, updated_at = NULL WHERE engram_rowid = (SELECT rowid FROM engrams WHERE id = 'page-7')",
      )
      .run();

    const db = createDb(d1);
    const page = { agent: testAgentId, model: "page-model", limit: 1_000 };
    const paged = new VectorSet(testAgentId, "page-model", "q8");
    const before = Date.now();
    const read = await readSignPage(new QueryMeter(d1), db, paged, { ...page, after: 0 }, 300);
    expect(read?.count).toBe(300);
    const [rows] = await new QueryMeter(d1).run([vectorPageQuery(db, { ...page, after: 0, withQ8: false })] as const);
    const one = new VectorSet(testAgentId, "page-model", "q8");
    for (const row of rows) one.put(row);

    expect({ size: paged.size, live: paged.live, missing: paged.missing }).toEqual({
      size: 300,
      live: 300,
      missing: 300,
    });
    expect([...paged.rowids.subarray(0, 300)]).toEqual([...one.rowids.subarray(0, 300)]);
    expect([...paged.bits.subarray(0, 300 * 2)]).toEqual([...one.bits.subarray(0, 300 * 2)]);
    for (let slot = 0; slot < 300; slot++) {
      const row = rows[slot]!;
      const importance = Math.min(1, Math.max(0, row.importance ?? 0.5));
      expect(paged.importance[slot]).toBeCloseTo(importance, 4);
      if (row.updated_at === null) expect(paged.updatedMs[slot]).toBeGreaterThanOrEqual(before);
      else expect(paged.updatedMs[slot]).toBe(timestampMs(row.updated_at));
    }
  });

  it("fills a set loaded sign bits first one page of 2,000 int8 vectors per call, then has none missing", async () => {
    const d1 = await harness.d1();
    await d1
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5500)
         INSERT INTO engrams (id, agent, text, created_at) SELECT 'fill-' || i, 'filler', 'filled memory ' || i,
           datetime('2026-01-01', '+' || i || ' seconds') FROM n`,
      )
      .run();
    await d1
      .prepare(
        `UPDATE engram_vectors SET model = 'fill-model', dims = 64, bits = randomblob(8), q8 = randomblob(64),
           scale = 0.01, embedded_at = datetime('now')
         WHERE engram_rowid IN (SELECT rowid FROM engrams WHERE agent = 'filler')`,
      )
      .run();
    forgetVectorCache();
    const db = createDb(d1);
    const { set, state } = await currentVectorSet(new QueryMeter(d1), { db }, "filler", "fill-model", {
      state: undefined,
      changes: undefined,
    });
    expect(state).toBe("cold");
    expect({ live: set.live, missing: set.missing }).toEqual({ live: 5_500, missing: 5_500 });
    const missing: number[] = [];
    for (let call = 0; call < 3; call++) {
      const rowsRead = await fillRerankVectors(new QueryMeter(d1), db, set);
      expect(rowsRead).toBeLessThanOrEqual(2 * 2_000);
      missing.push(set.missing);
    }
    expect(missing).toEqual([3_500, 1_500, 0]);
    expect(await fillRerankVectors(new QueryMeter(d1), db, set)).toBe(0);
  });
});
