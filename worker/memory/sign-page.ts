import type { Db } from "../db/database";
import type { QueryMeter } from "../db/engram-meter";
import { signPageQuery, signRecordDigits } from "../db/engram-vector-queries";
import type { SignPage, VectorSet } from "./vector-set";

/**
 * A cold load's page of sign bits, read as one row (signPageQuery) and stored in one pass: the
 * records and the bits are two hex strings decoded in WebAssembly, so the worker's CPU per engram is
 * a few array writes, not a JSON object or a list item to parse.
 */

/**
 * Rows per page: its hex string of sign bits stays under about 1.5 MB (D1 refuses strings of 2 MB),
 * e.g. 7,800 rows of 768 dimensions; at most `max`.
 */
export function signPageRows(dims: number, max: number): number {
  return Math.max(256, Math.min(max, Math.floor(1_500_000 / (8 * Math.ceil(dims / 32)))));
}

/**
 * Reads one page of sign bits as one row and stores it; undefined (nothing stored) when the page
 * holds vectors of more than one size, which the caller then reads row by row.
 */
export async function readSignPage(
  meter: QueryMeter,
  db: Db,
  set: VectorSet,
  page: { agent: string | null; model: string; after: number; limit: number },
  capacity: number,
): Promise<{ count: number; last: number } | undefined> {
  const [[row]] = await meter.run([signPageQuery(db, page)] as const);
  if (!row || row.count === 0) return { count: 0, last: page.after };
  if (row.dimsLow !== row.dimsHigh || row.dimsLow === null || (set.dims !== 0 && set.dims !== row.dimsLow)) {
    return undefined;
  }
  const dims = row.dimsLow;
  const signs: SignPage = { dims, bits: row.bits!, ...signRecords(set.bytesFromHex(row.records!), row.count) };
  const done = { count: row.count, last: row.last ?? page.after };
  if (set.appendSigns(signs, capacity)) return done;
  // Not above the set's slots (a change applied meanwhile): stored one by one.
  const digits = 8 * Math.ceil(dims / 32);
  set.reserve(row.count);
  for (let index = 0; index < row.count; index++) {
    set.put({
      engram_rowid: signs.rowids[index]!,
      dims,
      bits: signs.bits.slice(index * digits, (index + 1) * digits),
      scale: null,
      importance: signs.importance[index]!,
      updated_at: null,
      updatedMs: signs.updatedMs[index]!,
    });
  }
  return done;
}

const recordBytes = {
  rowid: signRecordDigits.rowid / 2,
  importance: signRecordDigits.importance / 2,
  updated: signRecordDigits.updated / 2,
};
const recordSize = recordBytes.rowid + recordBytes.importance + recordBytes.updated;

/** The rowids, importances and update times of `count` records (an unknown time counts as now). */
function signRecords(bytes: Uint8Array, count: number) {
  const rowids = new Float64Array(count);
  const importance = new Float32Array(count);
  const updatedMs = new Float64Array(count);
  const now = Date.now();
  for (let index = 0, at = 0; index < count; index++, at += recordSize) {
    rowids[index] = bigEndian(bytes, at, recordBytes.rowid);
    importance[index] = bigEndian(bytes, at + recordBytes.rowid, recordBytes.importance) / 65_535;
    const ms = bigEndian(bytes, at + recordBytes.rowid + recordBytes.importance, recordBytes.updated);
    updatedMs[index] = ms > 0 ? ms : now;
  }
  return { rowids, importance, updatedMs };
}

/** The unsigned number in `length` bytes (at most 6) at `at`, most significant first. */
function bigEndian(bytes: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let index = at; index < at + length; index++) value = value * 256 + bytes[index]!;
  return value;
}
