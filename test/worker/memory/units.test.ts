import { describe, expect, it } from "vitest";
import { parseEnrichment } from "../../../worker/memory/enrichment";
import { ftsMatchExpression } from "../../../worker/memory/fts-query";
import { fuse, fusedScore, importanceFactor, recencyFactor } from "../../../worker/memory/fusion";
import { hashEmbedding } from "../../../worker/memory/hash-embedding";
import { cosineInt8, decodeHex, int8Norm, packVector, unitVector } from "../../../worker/memory/vector-codec";
import { SignBitStore } from "../../../worker/memory/sign-bit-store";
import { hammingNearest, nearestSlots, scanQuery } from "../../../worker/memory/vector-scan";
import { timestampMs, VectorSet, type StoredVector } from "../../../worker/memory/vector-set";

/** The memory engine's pure parts, in Node (the same code runs in workerd in the other memory tests). */

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomUnit(next: () => number, dims: number): Float32Array {
  return unitVector(Array.from({ length: dims }, () => next() * 2 - 1))!;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * b[index]!;
  return sum;
}

function stored(rowid: number, unit: Float32Array, importance = 0.5): StoredVector {
  const packed = packVector(unit);
  return {
    engram_rowid: rowid,
    dims: unit.length,
    bits: Buffer.from(packed.bits.buffer).toString("hex").toUpperCase(),
    q8: Buffer.from(packed.q8.buffer).toString("hex").toUpperCase(),
    scale: packed.scale,
    importance,
    updated_at: "2026-01-01 00:00:00",
  };
}

describe("the hashing embedding (sos-hash-v1)", () => {
  it("is a deterministic unit vector", () => {
    const vector = hashEmbedding("The owner's cat is called Miso");
    expect(vector).toHaveLength(512);
    expect(dot(vector, vector)).toBeCloseTo(1, 5);
    expect(hashEmbedding("The owner's cat is called Miso")).toEqual(vector);
  });

  it("is close for shared words and word forms, far for none, blind to stopwords and accents", () => {
    const tea = hashEmbedding("green tea in the morning");
    expect(dot(tea, hashEmbedding("what do I drink in the morning?"))).toBeGreaterThan(0.3);
    expect(dot(tea, hashEmbedding("green teas"))).toBeGreaterThan(0.3);
    expect(Math.abs(dot(tea, hashEmbedding("quarterly taxes due in April")))).toBeLessThan(0.15);
    expect(hashEmbedding("the cat")).toEqual(hashEmbedding("a cat"));
    expect(hashEmbedding("Café Zürich")).toEqual(hashEmbedding("cafe zurich"));
  });
});

describe("compact vectors", () => {
  it("int8 cosines stay within 0.01 of float cosines (768 dimensions)", () => {
    const next = random(7);
    for (let round = 0; round < 50; round++) {
      const a = randomUnit(next, 768);
      const b = unitVector(a.map((value) => value + (next() - 0.5) * 0.08))!;
      const packed = packVector(b);
      const estimate = cosineInt8(a, packed.q8, 0, int8Norm(packed.q8, 0, 768));
      expect(Math.abs(estimate - dot(a, b))).toBeLessThan(0.01);
    }
  });

  it("decodes SQLite's hex() of the stored bytes", () => {
    const packed = packVector(unitVector([0.5, -0.25, 0.1, -0.9, 0, 0.3, 0.2, -0.1])!);
    const hex = Buffer.from(packed.q8.buffer).toString("hex").toUpperCase();
    const out = new Int8Array(8);
    decodeHex(hex, new Uint8Array(out.buffer), 0);
    expect([...out]).toEqual([...packed.q8]);
    expect(packed.bits[0]).toBe(0b01100101);
  });

  it("decodes hex into the compiled store: int8 values with their squares, sign bits into their slot", () => {
    const store = new SignBitStore(2, 4);
    const values = Int8Array.from({ length: 64 }, (_, index) => ((index * 37) % 256) - 128);
    for (const hex of [
      Buffer.from(values.buffer).toString("hex"),
      Buffer.from(values.buffer).toString("hex").toUpperCase(),
    ]) {
      const decoded = store.int8FromHex(hex);
      expect([...decoded.values]).toEqual([...values]);
      expect(decoded.squares).toBe(values.reduce((sum, value) => sum + value * value, 0));
    }
    store.putBitsHex(2, "0123456789ABCDEF");
    expect([...store.bits]).toEqual([0, 0, 0, 0, 0x67452301, 0xefcdab89, 0, 0]);
  });

  it("the Hamming pass keeps the true nearest neighbours for the int8 re-rank", () => {
    const next = random(11);
    const set = new VectorSet("a", "m", "q8");
    const vectors: Float32Array[] = [];
    for (let index = 0; index < 5_000; index++) {
      vectors.push(randomUnit(next, 256));
      set.put(stored(index + 1, vectors[index]!));
    }
    let hits = 0;
    for (let round = 0; round < 20; round++) {
      const target = Math.floor(next() * vectors.length);
      const query = unitVector(vectors[target]!.map((value) => value + (next() - 0.5) * 0.1))!;
      const exact = vectors
        .map((vector, index) => ({ rowid: index + 1, cosine: dot(query, vector) }))
        .sort((a, b) => b.cosine - a.cosine)
        .slice(0, 5)
        .map((entry) => entry.rowid);
      const found = nearestSlots(set, scanQuery(query), { limit: 5, floor: -1, coarse: 256 }).map(
        (entry) => entry.rowid,
      );
      hits += exact.filter((rowid) => found.includes(rowid)).length;
      expect(found[0]).toBe(target + 1);
    }
    expect(hits / 100).toBeGreaterThanOrEqual(0.9);
    expect(hammingNearest(set, scanQuery(vectors[0]!), 10)).toContain(0);
  });

  it("the Hamming pass counts every differing bit and breaks ties at the cut-off in slot order", () => {
    const next = random(13);
    // 768 dimensions fill 24 whole words; 100 and 8 leave unused bits in a slot's last word.
    for (const dims of [768, 100, 8]) {
      const set = new VectorSet("a", "m", "q8");
      const vectors = Array.from({ length: 600 }, () => randomUnit(next, dims));
      // Exact copies: many equal distances, so the cut-off falls inside a run of ties.
      for (let index = 0; index < 200; index++) vectors[400 + index] = vectors[index % 20]!;
      vectors.forEach((vector, index) => set.put(stored(index + 1, vector)));
      for (let rowid = 3; rowid <= 600; rowid += 9) set.remove(rowid);
      const query = vectors[5]!.map((value, index) => (index % 5 === 0 ? -value : value));
      const queryBits = packVector(unitVector(query)!).bits;
      const distance = (slot: number): number => {
        const bits = packVector(vectors[set.rowids[slot]! - 1]!).bits;
        let count = 0;
        for (let index = 0; index < dims; index++)
          count += ((bits[index >>> 5]! ^ queryBits[index >>> 5]!) >>> (index % 32)) & 1;
        return count;
      };
      const live = Array.from({ length: set.size }, (_, slot) => slot).filter((slot) => set.alive[slot]);
      const byDistance = live.map((slot) => ({ slot, distance: distance(slot) }));
      byDistance.sort((a, b) => a.distance - b.distance || a.slot - b.slot);
      for (const count of [1, 20, 57, 300]) {
        const expected = byDistance
          .slice(0, count)
          .map((entry) => entry.slot)
          .sort((a, b) => a - b);
        expect(hammingNearest(set, scanQuery(unitVector(query)!), count)).toEqual(expected);
      }
    }
  });
});

describe("the vector set", () => {
  it("keeps slots sorted by rowid through out-of-order inserts, deletes and compaction", () => {
    const next = random(3);
    const set = new VectorSet(null, "m", "q8");
    const rowids = Array.from({ length: 200 }, (_, index) => (index * 37) % 211);
    for (const rowid of rowids) set.put(stored(rowid, randomUnit(next, 64)));
    expect(set.live).toBe(200);
    expect([...set.rowids.subarray(0, set.size)]).toEqual([...rowids].sort((a, b) => a - b));
    for (const rowid of rowids.slice(0, 120)) set.remove(rowid);
    expect(set.live).toBe(80);
    expect(set.size).toBeLessThan(200);
    for (const rowid of rowids.slice(120)) expect(set.alive[set.slotOf(rowid)]).toBe(1);
    for (const rowid of rowids.slice(0, 120)) expect(set.slotOf(rowid) < 0 || !set.alive[set.slotOf(rowid)]).toBe(true);
  });

  it("grows once for a reserved page and keeps vectors put before and after", () => {
    const next = random(4);
    const set = new VectorSet("a", "m", "q8");
    const vectors = Array.from({ length: 300 }, () => randomUnit(next, 96));
    set.reserve(250);
    expect(set.rowids.length).toBe(250);
    vectors.slice(0, 250).forEach((vector, index) => set.put(stored(index + 1, vector)));
    expect(set.rowids.length).toBe(250);
    set.reserve(50);
    vectors.slice(250).forEach((vector, index) => set.put(stored(index + 251, vector)));
    expect(set.rowids.length).toBe(300);
    for (const slot of [0, 249, 250, 299]) {
      expect(set.cosine(slot, scanQuery(vectors[slot]!).unit)).toBeGreaterThan(0.99);
      expect(nearestSlots(set, scanQuery(vectors[slot]!), { limit: 1, floor: 0, coarse: 300 })[0]!.rowid).toBe(
        slot + 1,
      );
    }
  });

  it("reads SQLite's timestamps as UTC, with or without milliseconds, and ISO 8601 too", () => {
    expect(timestampMs("2026-11-26 03:04:05")).toBe(Date.UTC(2026, 10, 26, 3, 4, 5));
    expect(timestampMs("2026-11-26 03:04:05.678")).toBe(Date.UTC(2026, 10, 26, 3, 4, 5, 678));
    expect(timestampMs("2026-11-26T03:04:05.678Z")).toBe(Date.UTC(2026, 10, 26, 3, 4, 5, 678));
    expect(timestampMs("2026-11-26T04:04:05+01:00")).toBe(Date.UTC(2026, 10, 26, 3, 4, 5));
    // More digits of the second than the worker writes: still read as UTC.
    expect(timestampMs("2026-11-26 03:04:05.678901")).toBe(Date.UTC(2026, 10, 26, 3, 4, 5, 678));
    const before = Date.now();
    for (const unknown of ["2026-13-26 03:04:05", "2026-11-26 03:04:0x", "yesterday", null]) {
      expect(timestampMs(unknown)).toBeGreaterThanOrEqual(before);
    }
  });

  it("refuses a vector of other dimensions", () => {
    const set = new VectorSet("a", "m", "q8");
    expect(set.put(stored(1, unitVector([1, 0, 0, 0])!))).toBe(true);
    expect(set.put(stored(2, unitVector([1, 0, 0, 0, 0, 0, 0, 0])!))).toBe(false);
  });

  it("coarsens to 4-bit vectors (cosines within 0.03) and to sign bits alone, still finding the nearest", () => {
    const next = random(5);
    const set = new VectorSet("a", "m", "q8");
    const vectors = Array.from({ length: 300 }, () => randomUnit(next, 768));
    vectors.forEach((vector, index) => set.put(stored(index + 1, vector)));
    const query = unitVector(vectors[42]!.map((value) => value + (next() - 0.5) * 0.05))!;
    const q = scanQuery(query);
    set.coarsen("q4");
    expect(set.rerank.length).toBe(set.rowids.length * 384);
    for (let slot = 0; slot < 300; slot += 7) {
      expect(Math.abs(set.cosine(slot, q.unit) - dot(query, vectors[slot]!))).toBeLessThan(0.03);
    }
    expect(nearestSlots(set, q, { limit: 1, floor: 0, coarse: 16 })[0]!.rowid).toBe(43);
    set.put(stored(301, vectors[0]!));
    expect(set.cosine(set.slotOf(301), scanQuery(vectors[0]!).unit)).toBeGreaterThan(0.97);
    set.coarsen("bits");
    expect(set.rerank.length).toBe(0);
    expect(nearestSlots(set, q, { limit: 1, floor: 0, coarse: 16 })[0]!.rowid).toBe(43);
  });
});

describe("fusion", () => {
  const now = Date.parse("2026-06-01T00:00:00Z");

  it("scores 1/(60 + rank) per list, times the importance and recency weights", () => {
    expect(fusedScore({ rowid: 1, textRank: 1, importance: 0.5, updatedMs: now }, now)).toBeCloseTo(
      (1 / 61) * 1.0 * 1.0,
      12,
    );
    expect(importanceFactor(0)).toBe(0.85);
    expect(importanceFactor(1)).toBe(1.15);
    expect(recencyFactor(now, now)).toBe(1);
    expect(recencyFactor(now - 30 * 86_400_000, now)).toBeCloseTo(0.975, 12);
  });

  it("ranks an engram found by both lists above any found by one, within 25 ranks", () => {
    const ranked = fuse(
      [
        { rowid: 1, textRank: 1, importance: 1, updatedMs: now },
        { rowid: 2, vectorRank: 1, importance: 1, updatedMs: now },
        { rowid: 3, textRank: 25, vectorRank: 25, importance: 0, updatedMs: 0 },
      ],
      now,
    );
    expect(ranked.map((candidate) => candidate.rowid)[0]).toBe(3);
  });
});

describe("enrichment answers", () => {
  const valid = { epistemic_truths: [" a fact "], core_concepts: ["x", "x"], affective_vibe: "Calm", importance: 0.4 };

  it("accepts the JSON object inside code fences or prose, trimmed and de-duplicated", () => {
    expect(parseEnrichment("Here:\n```json\n" + JSON.stringify(valid) + "\n```")).toEqual({
      epistemic_truths: ["a fact"],
      core_concepts: ["x"],
      affective_vibe: "Calm",
      importance: 0.4,
    });
  });

  it("refuses anything else", () => {
    for (const answer of [
      "no JSON here",
      "{not json}",
      JSON.stringify({ ...valid, importance: 1.5 }),
      JSON.stringify({ ...valid, core_concepts: "x" }),
      JSON.stringify({ ...valid, affective_vibe: "  " }),
      JSON.stringify({ epistemic_truths: [] }),
    ]) {
      expect(parseEnrichment(answer), answer).toBeUndefined();
    }
  });
});

describe("the full-text query", () => {
  it("leaves out stopwords unless nothing else is left", () => {
    expect(ftsMatchExpression("what do I drink in the morning?")).toBe('"drink" OR "morning"');
    expect(ftsMatchExpression("AND")).toBe('"AND"');
  });
});
