import { describe, expect, it } from "vitest";
import { packVector, unitVector } from "../../../worker/memory/vector-codec";
import { VectorSet } from "../../../worker/memory/vector-set";

/** Random unit vectors of 768 dimensions, packed and as SQLite's hex() of their sign bits. */
function vectors(count: number, seed = 7) {
  let state = seed;
  const next = () => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Array.from({ length: count }, (_, index) => {
    const packed = packVector(unitVector(Array.from({ length: 768 }, next))!);
    return {
      rowid: 3 * index + 5,
      bits: Buffer.from(packed.bits.buffer, packed.bits.byteOffset, packed.bits.byteLength)
        .toString("hex")
        .toUpperCase(),
      importance: (index % 10) / 10,
      updatedMs: 1_700_000_000_000 + index,
    };
  });
}

describe("a cold load's page of sign bits read as one row", () => {
  const rows = vectors(700);
  const page = {
    dims: 768,
    rowids: rows.map((row) => row.rowid),
    bits: rows.map((row) => row.bits).join(""),
    importance: rows.map((row) => row.importance),
    updatedMs: rows.map((row) => row.updatedMs),
  };

  it("stores exactly what storing its rows one by one stores", () => {
    const appended = new VectorSet("a", "m", "q8");
    expect(
      appended.appendSigns(
        {
          ...page,
          rowids: page.rowids.slice(0, 400),
          bits: page.bits.slice(0, 400 * 192),
          importance: page.importance.slice(0, 400),
          updatedMs: page.updatedMs.slice(0, 400),
        },
        700,
      ),
    ).toBe(true);
    expect(
      appended.appendSigns(
        {
          ...page,
          rowids: page.rowids.slice(400),
          bits: page.bits.slice(400 * 192),
          importance: page.importance.slice(400),
          updatedMs: page.updatedMs.slice(400),
        },
        700,
      ),
    ).toBe(true);
    const one = new VectorSet("a", "m", "q8");
    for (const row of rows) {
      one.put({
        engram_rowid: row.rowid,
        dims: 768,
        bits: row.bits,
        scale: null,
        importance: row.importance,
        updated_at: null,
        updatedMs: row.updatedMs,
      });
    }
    for (const set of [appended, one])
      expect({ size: set.size, live: set.live, missing: set.missing }).toEqual({ size: 700, live: 700, missing: 700 });
    expect([...appended.bits.subarray(0, 700 * 24)]).toEqual([...one.bits.subarray(0, 700 * 24)]);
    expect([...appended.rowids.subarray(0, 700)]).toEqual([...one.rowids.subarray(0, 700)]);
    expect([...appended.importance.subarray(0, 700)]).toEqual([...one.importance.subarray(0, 700)]);
    expect([...appended.updatedMs.subarray(0, 700)]).toEqual([...one.updatedMs.subarray(0, 700)]);
    expect(appended.slotOf(rows[123]!.rowid)).toBe(123);
  });

  it("refuses a page out of rowid order or of another size (stored row by row instead), storing nothing", () => {
    const set = new VectorSet("a", "m", "q8");
    expect(set.appendSigns({ ...page, rowids: [...page.rowids].reverse() }, 700)).toBe(false);
    expect(set.appendSigns({ ...page, bits: page.bits.slice(2) }, 700)).toBe(false);
    expect(set.size).toBe(0);
    expect(set.appendSigns(page, 700)).toBe(true);
    expect(set.appendSigns({ ...page, dims: 512 }, 700)).toBe(false);
    expect(set.appendSigns(page, 700)).toBe(false);
    expect(set.size).toBe(700);
  });
});
