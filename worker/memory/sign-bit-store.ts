/// <reference path="../wasm-modules.d.ts" />
import scanKernels from "./scan-kernels.wasm";

interface ScanKernels {
  memory: WebAssembly.Memory;
  distances(
    query: number,
    bits: number,
    alive: number,
    distances: number,
    histogram: number,
    size: number,
    words: number,
  ): void;
  hex(from: number, length: number, to: number): number;
  hexBytes(from: number, length: number, to: number): void;
}

const pageBytes = 65_536;
const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;
const encoder = new TextEncoder();

/**
 * A VectorSet's sign bits and live flags, kept in the memory of its own instance of
 * scan-kernels.wasm, so the Hamming pass over every slot runs as compiled code (about six times
 * faster than the same loop in JavaScript in workerd), and so are the hex decoding of the vectors a
 * load reads from D1 (about eight times faster). The memory holds, in order: the query's bits, the
 * histogram of distances, the hex text being decoded and its bytes, the live flags, the distances
 * and the slots' bits; `bits` and `alive` are views of it, replaced when the capacity grows. It
 * grows in place (one instance per store: a new instance, and its memory, per growth made a cold
 * load of 100,000 engrams spend most of its time allocating).
 */
export class SignBitStore {
  bits!: Uint32Array;
  alive!: Uint8Array;
  private readonly kernels: ScanKernels;
  /** Views of the regions the kernels read and write, made again when the memory grows. */
  private views!: {
    query: Uint32Array;
    histogram: Uint32Array;
    hex: Uint8Array;
    decoded: Uint8Array;
    distances: Uint16Array;
  };
  private offsets!: {
    query: number;
    histogram: number;
    hex: number;
    decoded: number;
    alive: number;
    distances: number;
    bits: number;
  };

  constructor(
    readonly words: number,
    public capacity: number,
  ) {
    this.kernels = new WebAssembly.Instance(scanKernels, {}).exports as unknown as ScanKernels;
    this.layOut(capacity);
  }

  /**
   * Room for `capacity` slots, keeping the first `slots` slots' bits and live flags: the memory
   * grows, the bits move up past the larger flags and distances, the new flags start dead.
   */
  grow(capacity: number, slots: number): void {
    if (capacity <= this.capacity) return;
    const bitsBefore = this.offsets.bits;
    this.layOut(capacity);
    const bytes = new Uint8Array(this.kernels.memory.buffer);
    bytes.copyWithin(this.offsets.bits, bitsBefore, bitsBefore + slots * this.words * 4);
    bytes.fill(0, this.offsets.alive + slots, this.offsets.alive + capacity);
  }

  /** The regions' offsets for `capacity` slots, the memory grown to hold them, and views of it. */
  private layOut(capacity: number): void {
    const { words } = this;
    // A vector has at most words * 32 components: its int8 values take as many bytes, twice as many digits.
    const components = words * 32;
    const query = 0;
    const histogram = align8(words * 4);
    const hex = histogram + align8(histogramLength(words) * 4);
    const decoded = hex + align8(hexScratch(components));
    const alive = decoded + align8(components);
    const distances = alive + align8(capacity);
    const bits = distances + align8(capacity * 2);
    this.offsets = { query, histogram, hex, decoded, alive, distances, bits };
    this.capacity = capacity;
    const needed = Math.ceil((bits + capacity * words * 4) / pageBytes);
    const pages = this.kernels.memory.buffer.byteLength / pageBytes;
    if (needed > pages) this.kernels.memory.grow(needed - pages);
    const buffer = this.kernels.memory.buffer;
    this.bits = new Uint32Array(buffer, bits, capacity * words);
    this.alive = new Uint8Array(buffer, alive, capacity);
    this.views = {
      query: new Uint32Array(buffer, query, words),
      histogram: new Uint32Array(buffer, histogram, histogramLength(words)),
      hex: new Uint8Array(buffer, hex, hexScratch(components)),
      decoded: new Uint8Array(buffer, decoded, components),
      distances: new Uint16Array(buffer, distances, capacity),
    };
  }

  /**
   * Each of the first `size` slots' Hamming distance to `query` (0xffff for a dead slot), and how
   * many live slots are at each distance. Both are views of the memory, valid until the next call.
   */
  distances(query: Uint32Array, size: number): { distances: Uint16Array; histogram: Uint32Array } {
    const { offsets, views, words } = this;
    views.query.set(query);
    views.histogram.fill(0);
    this.kernels.distances(
      offsets.query,
      offsets.bits,
      offsets.alive,
      offsets.distances,
      offsets.histogram,
      size,
      words,
    );
    return { distances: views.distances.subarray(0, size), histogram: views.histogram };
  }

  /** Stores a slot's sign bits from SQLite's hex() of them (as many digits as the words hold, or fewer). */
  putBitsHex(slot: number, hex: string): void {
    const bytes = this.words * 4;
    const { written } = encoder.encodeInto(hex, this.views.hex.subarray(0, 2 * bytes));
    // Decoded straight into the slot's words.
    this.kernels.hexBytes(this.offsets.hex, written, this.offsets.bits + slot * bytes);
  }

  /**
   * Stores the sign bits of `count` consecutive slots from `firstSlot` on, from one hex string of
   * theirs end to end (a page read as one row): decoded a scratch-full at a time, straight into the
   * slots' words.
   */
  putBitsHexRun(firstSlot: number, hex: string, count: number): void {
    const bytes = this.words * 4;
    const digits = 2 * bytes;
    const perChunk = Math.max(1, Math.floor(this.views.hex.length / digits));
    for (let done = 0; done < count; done += perChunk) {
      const slots = Math.min(perChunk, count - done);
      const { written } = encoder.encodeInto(hex.substring(done * digits, (done + slots) * digits), this.views.hex);
      this.kernels.hexBytes(this.offsets.hex, written, this.offsets.bits + (firstSlot + done) * bytes);
    }
  }

  /** The bytes of hex text of any (even) length, decoded a scratch-full at a time, in place. */
  bytesFromHex(hex: string): Uint8Array {
    const bytes = new Uint8Array(hex.length >>> 1);
    const chunk = this.views.hex.length;
    for (let from = 0; from < hex.length; from += chunk) {
      const { written } = encoder.encodeInto(hex.substring(from, from + chunk), this.views.hex);
      this.kernels.hexBytes(this.offsets.hex, written, this.offsets.hex);
      bytes.set(this.views.hex.subarray(0, written >>> 1), from >>> 1);
    }
    return bytes;
  }

  /**
   * An int8 vector from SQLite's hex() of it (at most words * 32 values), and the sum of its
   * squares. `values` is a view of the memory, valid until the next decoding.
   */
  int8FromHex(hex: string): { values: Int8Array; squares: number } {
    const { written } = encoder.encodeInto(hex, this.views.hex);
    const squares = this.kernels.hex(this.offsets.hex, written, this.offsets.decoded);
    const { buffer, byteOffset } = this.views.decoded;
    return { values: new Int8Array(buffer, byteOffset, written >>> 1), squares };
  }
}

/** Bytes of hex text decoded in one call: a whole int8 vector, and at least 64 KiB (runs of sign bits). */
function hexScratch(components: number): number {
  return Math.max(2 * components, 65_536);
}

/** Distances run from 0 to every bit of the words. */
function histogramLength(words: number): number {
  return words * 32 + 1;
}
