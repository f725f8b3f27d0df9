import type { Timestamp } from "../db/database";
import { SignBitStore } from "./sign-bit-store";
import { cosineInt8, int8Norm, signWords } from "./vector-codec";

/**
 * How finely a set keeps the vectors it re-ranks with, in memory: int8 (as stored), 4-bit (half the
 * memory, cosines within about ±0.02), or not at all (the candidates' int8 vectors are then read
 * from D1 at each recall). vector-cache.ts picks the finest that fits its memory budget.
 */
export type Precision = "q8" | "q4" | "bits";

/**
 * One scope's vectors of one model, held in typed arrays for scanning: per slot the engram's rowid
 * (slots sorted by rowid, so lookups are binary searches and new engrams append), its sign bits, its
 * re-rank vector and recall's weights. Deleted engrams leave a dead slot until the set is compacted.
 * The sign bits and live flags are views of a SignBitStore, for the compiled Hamming pass.
 */
export class VectorSet {
  dims = 0;
  words = 0;
  /** Bytes of one slot's re-rank vector. */
  stride = 0;
  /** The last change-log entry applied. */
  seq = 0;
  size = 0;
  live = 0;
  /** Live slots whose re-rank vector is not in memory yet (a set loaded sign bits first). */
  missing = 0;
  /** The rowid the background fill of missing re-rank vectors has read through (vector-cache.ts). */
  filledThrough = 0;
  /** Changes applied since the set's snapshot in KV was written (vector-cache.ts decides when to write one). */
  unsavedChanges = 0;
  rowids = new Float64Array(0);
  alive: Uint8Array;
  bits: Uint32Array;
  rerank = new Int8Array(0);
  norms = new Float32Array(0);
  importance = new Float32Array(0);
  updatedMs = new Float64Array(0);
  lastUsed = 0;
  private signs: SignBitStore;

  constructor(
    readonly agent: string | null,
    readonly model: string,
    public precision: Precision,
  ) {
    this.signs = new SignBitStore(0, 0);
    this.bits = this.signs.bits;
    this.alive = this.signs.alive;
  }

  /** Memory the set takes once its re-rank vectors are all in (they are allocated when the first arrives). */
  get bytes(): number {
    return this.rowids.length * (8 + 1 + 4 + 4 + 8 + this.words * 4) + this.rerankBytes;
  }

  get rerankBytes(): number {
    return this.rowids.length * this.stride;
  }

  /** The slot holding `rowid`, or -1. */
  slotOf(rowid: number): number {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.rowids[middle]!;
      if (value === rowid) return middle;
      if (value < rowid) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /**
   * Stores one row as read from D1 (hex BLOBs); false when it cannot join the set (other
   * dimensions, or BLOBs not of its dimensions' size). A row read without its int8 vector
   * (`q8` undefined: a load of sign bits first) leaves the slot's re-rank vector missing.
   */
  put(row: StoredVector): boolean {
    const dims = row.dims ?? 0;
    const withQ8 = this.precision !== "bits";
    if (dims <= 0 || row.bits?.length !== signWords(dims) * 8) return false;
    if (withQ8 && row.q8 !== undefined && row.q8?.length !== 2 * dims) return false;
    if (this.dims === 0) this.setDimensions(dims);
    else if (dims !== this.dims) return false;
    let slot = this.slotOf(row.engram_rowid);
    if (slot < 0) slot = this.insertSlot(row.engram_rowid);
    if (!this.alive[slot]) this.live += 1;
    else if (withQ8 && !this.hasRerank(slot)) this.missing -= 1;
    this.alive[slot] = 1;
    this.signs.putBitsHex(slot, row.bits);
    if (withQ8 && row.q8) {
      const { values, squares } = this.signs.int8FromHex(row.q8);
      this.storeRerank(slot, values, squares);
    } else if (withQ8) {
      this.norms[slot] = Number.NaN;
      this.missing += 1;
    }
    this.importance[slot] = row.importance ?? 0.5;
    this.updatedMs[slot] = row.updatedMs ?? timestampMs(row.updated_at);
    return true;
  }

  /**
   * Appends a page of sign bits in rowid order: a cold load's page read as one row (the bits of all
   * of them as one hex string) or a snapshot from KV (their words). Rowids ascending and above every
   * slot's; their re-rank vectors are missing (they follow). False, and nothing stored, when the page
   * does not fit that (the caller stores its rows one by one, or reads D1). `capacity` is how many
   * slots the whole load expects.
   */
  appendSigns(page: SignPage | SignWords, capacity: number): boolean {
    const count = page.rowids.length;
    if (count === 0) return true;
    if (this.dims !== 0 && page.dims !== this.dims) return false;
    const hex = typeof page.bits === "string";
    if (page.bits.length !== count * (hex ? 8 : 1) * signWords(page.dims)) return false;
    if (this.size > 0 && this.rowids[this.size - 1]! >= page.rowids[0]!) return false;
    for (let index = 1; index < count; index++) if (page.rowids[index]! <= page.rowids[index - 1]!) return false;
    if (this.dims === 0) this.setDimensions(page.dims);
    this.reserve(Math.max(count, capacity - this.size));
    const first = this.size;
    if (typeof page.bits === "string") this.signs.putBitsHexRun(first, page.bits, count);
    else this.bits.set(page.bits, first * this.words);
    const withQ8 = this.precision !== "bits";
    // Whole runs copied at once: a snapshot of 100,000 engrams is one page.
    this.rowids.set(page.rowids, first);
    this.importance.set(page.importance, first);
    this.updatedMs.set(page.updatedMs, first);
    this.alive.fill(1, first, first + count);
    if (withQ8) this.norms.fill(Number.NaN, first, first + count);
    this.size += count;
    this.live += count;
    if (withQ8) this.missing += count;
    return true;
  }

  /**
   * Makes room for `count` more slots at once (a page of a load, read in rowid order), so a load
   * grows the arrays once a page instead of by half again and again.
   */
  reserve(count: number): void {
    if (this.size + count > this.rowids.length) this.grow(this.size + count);
  }

  /** The bytes of hex text (a sign page's records), decoded in WebAssembly. */
  bytesFromHex(hex: string): Uint8Array {
    return this.signs.bytesFromHex(hex);
  }

  /** Whether the slot's re-rank vector is in memory (never at precision "bits"). */
  hasRerank(slot: number): boolean {
    return this.precision !== "bits" && !Number.isNaN(this.norms[slot]!);
  }

  /**
   * Fills a live slot's missing re-rank vector from SQLite's hex() of its int8 vector; false when
   * the slot has one already (a newer one, from the change log) or the vector is not of its size.
   */
  fillRerank(slot: number, q8: string): boolean {
    if (!this.alive[slot] || this.precision === "bits" || this.hasRerank(slot) || q8.length !== 2 * this.dims) {
      return false;
    }
    const { values, squares } = this.signs.int8FromHex(q8);
    this.storeRerank(slot, values, squares);
    this.missing -= 1;
    return true;
  }

  remove(rowid: number): void {
    const slot = this.slotOf(rowid);
    if (slot < 0 || !this.alive[slot]) return;
    if (this.precision !== "bits" && !this.hasRerank(slot)) this.missing -= 1;
    this.alive[slot] = 0;
    this.live -= 1;
    if (this.size > 64 && this.live < this.size * 0.75) this.compact();
  }

  /** Cosine between a unit query and the slot's re-rank vector (only for a slot that has one). */
  cosine(slot: number, query: Float64Array): number {
    const norm = this.norms[slot]!;
    if (this.precision === "q8") return cosineInt8(query, this.rerank, slot * this.stride, norm);
    if (norm === 0) return 0;
    const { rerank } = this;
    const offset = slot * this.stride;
    const pairs = query.length >>> 1;
    let sum = 0;
    for (let index = 0; index < pairs; index++) {
      const byte = rerank[offset + index]!;
      // Two signed nibbles a byte: the low one sign-extended by shifts, the high one by `>>`.
      sum += query[2 * index]! * ((byte << 28) >> 28) + query[2 * index + 1]! * (byte >> 4);
    }
    if (query.length & 1) sum += query[query.length - 1]! * ((rerank[offset + pairs]! << 28) >> 28);
    return sum / norm;
  }

  /** Every slot's Hamming distance to the query's sign bits, and their histogram (see SignBitStore). */
  signDistances(query: Uint32Array): { distances: Uint16Array; histogram: Uint32Array } {
    return this.signs.distances(query, this.size);
  }

  /** Keeps coarser re-rank vectors (the set outgrew the budget); `bits` keeps none. */
  coarsen(precision: Precision): void {
    if (precision === this.precision || precision === "q8") return;
    const before = { rerank: this.rerank, stride: this.stride, precision: this.precision };
    this.precision = precision;
    this.stride = strideOf(precision, this.dims);
    this.rerank = new Int8Array(0);
    if (precision === "bits") this.missing = 0;
    if (precision === "bits" || before.precision !== "q8") return;
    for (let slot = 0; slot < this.size; slot++) {
      if (this.alive[slot] && !Number.isNaN(this.norms[slot]!))
        this.storeRerank(slot, before.rerank.subarray(slot * before.stride, (slot + 1) * before.stride));
    }
  }

  private setDimensions(dims: number): void {
    this.dims = dims;
    this.words = signWords(dims);
    this.stride = strideOf(this.precision, dims);
    // The set is empty, but may have reserved slots: their sign bits and re-rank vectors take room now.
    this.useSigns(new SignBitStore(this.words, this.rowids.length));
  }

  /** The store whose views `bits` and `alive` are (views are made again when it grows). */
  private useSigns(store: SignBitStore): void {
    this.signs = store;
    this.bits = store.bits;
    this.alive = store.alive;
  }

  /** Writes the slot's re-rank vector from its int8 values (whose squares sum to `squares`), and its norm. */
  private storeRerank(slot: number, q8: Int8Array, squares = int8Norm(q8, 0, q8.length) ** 2): void {
    // Allocated with the first vector: a load of sign bits first (a large set) grows its arrays
    // page by page without copying megabytes of re-rank vectors that are not there yet.
    if (this.rerank.length === 0) this.rerank = new Int8Array(this.rerankBytes);
    const offset = slot * this.stride;
    if (this.precision === "q8") {
      this.rerank.set(q8, offset);
      this.norms[slot] = Math.sqrt(squares);
      return;
    }
    // 4 bits: steps of a third of the spread (clipped at 2.3 standard deviations), round to nearest.
    const step = Math.max(1e-9, (2.3 * Math.sqrt(squares / q8.length)) / 7);
    let norm = 0;
    for (let index = 0; index < q8.length; index += 2) {
      const low = Math.max(-7, Math.min(7, Math.round(q8[index]! / step)));
      const high = index + 1 < q8.length ? Math.max(-7, Math.min(7, Math.round(q8[index + 1]! / step))) : 0;
      this.rerank[offset + (index >>> 1)] = (high << 4) | (low & 0x0f);
      norm += low * low + high * high;
    }
    this.norms[slot] = Math.sqrt(norm);
  }

  private insertSlot(rowid: number): number {
    if (this.size === this.rowids.length) this.grow(Math.max(64, Math.ceil(this.size * 1.5)));
    let slot = this.size;
    if (this.size > 0 && this.rowids[this.size - 1]! > rowid) {
      // Rare: a rowid below the largest (SQLite reuses the largest rowid after a delete).
      slot = this.lowerBound(rowid);
      this.shift(slot);
    }
    this.size += 1;
    this.rowids[slot] = rowid;
    this.alive[slot] = 0;
    return slot;
  }

  private lowerBound(rowid: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.rowids[middle]! < rowid) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Moves slots from `slot` on one place up. */
  private shift(slot: number): void {
    const end = this.size;
    this.rowids.copyWithin(slot + 1, slot, end);
    this.alive.copyWithin(slot + 1, slot, end);
    this.bits.copyWithin((slot + 1) * this.words, slot * this.words, end * this.words);
    this.rerank.copyWithin((slot + 1) * this.stride, slot * this.stride, end * this.stride);
    this.norms.copyWithin(slot + 1, slot, end);
    this.importance.copyWithin(slot + 1, slot, end);
    this.updatedMs.copyWithin(slot + 1, slot, end);
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Float32Array | Uint8Array | Uint32Array | Int8Array>(
      from: T,
      make: (length: number) => T,
      per: number,
    ): T => {
      const next = make(capacity * per);
      next.set(from.subarray(0, this.size * per));
      return next;
    };
    this.rowids = copy(this.rowids, (n) => new Float64Array(n), 1);
    this.signs.grow(capacity, this.size);
    this.useSigns(this.signs);
    if (this.rerank.length > 0) this.rerank = copy(this.rerank, (n) => new Int8Array(n), this.stride);
    this.norms = copy(this.norms, (n) => new Float32Array(n), 1);
    this.importance = copy(this.importance, (n) => new Float32Array(n), 1);
    this.updatedMs = copy(this.updatedMs, (n) => new Float64Array(n), 1);
  }

  private compact(): void {
    let to = 0;
    for (let from = 0; from < this.size; from++) {
      if (!this.alive[from]) continue;
      if (to !== from) {
        this.rowids[to] = this.rowids[from]!;
        this.alive[to] = 1;
        this.bits.copyWithin(to * this.words, from * this.words, (from + 1) * this.words);
        this.rerank.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
        this.norms[to] = this.norms[from]!;
        this.importance[to] = this.importance[from]!;
        this.updatedMs[to] = this.updatedMs[from]!;
      }
      to += 1;
    }
    this.size = to;
  }
}

/** Bytes of one re-rank vector at `precision`. */
export function strideOf(precision: Precision, dims: number): number {
  return precision === "q8" ? dims : precision === "q4" ? Math.ceil(dims / 2) : 0;
}

/** Engrams in rowid order with their weights, and their sign bits (SignPage, SignWords). */
interface SignRecords {
  dims: number;
  rowids: ArrayLike<number>;
  importance: ArrayLike<number>;
  updatedMs: ArrayLike<number>;
}

/** A page of sign bits read from D1 as one row: every engram's bits end to end as hex. */
export interface SignPage extends SignRecords {
  bits: string;
}

/** Sign bits as words, every engram's end to end (a snapshot from KV). */
export interface SignWords extends SignRecords {
  bits: Uint32Array;
}

/** A vector row as D1 returns it, BLOBs as hex text. */
export interface StoredVector {
  engram_rowid: number;
  dims: number | null;
  bits: string | null;
  q8?: string | null | undefined;
  scale: number | null;
  importance: number | null;
  updated_at: Timestamp | null;
  /** updated_at already in milliseconds (a page read as one row), instead of parsing updated_at. */
  updatedMs?: number;
}

/** SQLite DATETIME text (UTC) or ISO 8601 as milliseconds; unknown counts as now. */
export function timestampMs(value: Timestamp | null): number {
  if (value === null) return Date.now();
  const ms =
    sqliteTimestampMs(value) ?? Date.parse(/^\d{4}-\d{2}-\d{2} /.test(value) ? `${value.replace(" ", "T")}Z` : value);
  return Number.isFinite(ms) ? ms : Date.now();
}

/**
 * `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS.SSS` (what SQLite and the worker write) read digit by
 * digit: a cold load reads one per engram, and this is several times faster than Date.parse of
 * a rewritten string. Undefined for any other form.
 */
function sqliteTimestampMs(value: string): number | undefined {
  const withMillis = value.length === 23 && value.charCodeAt(19) === 46;
  if (value.length !== 19 && !withMillis) return undefined;
  for (const [at, code] of timestampSeparators) if (value.charCodeAt(at) !== code) return undefined;
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hours = digitsAt(value, 11, 2);
  const minutes = digitsAt(value, 14, 2);
  const seconds = digitsAt(value, 17, 2);
  // NaN (a non-digit) fails every comparison below.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hours <= 23 && minutes <= 59 && seconds <= 59)) {
    return undefined;
  }
  const millis = withMillis ? digitsAt(value, 20, 3) : 0;
  const ms = Date.UTC(digitsAt(value, 0, 4), month - 1, day, hours, minutes, seconds, millis);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Positions and character codes of `-`, `-`, space, `:` and `:` in a SQLite timestamp. */
const timestampSeparators = [
  [4, 45],
  [7, 45],
  [10, 32],
  [13, 58],
  [16, 58],
] as const;

/** The decimal number of `count` digits at `from`, or NaN when one is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let index = from; index < from + count; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}
