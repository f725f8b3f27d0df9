/// <reference path="../wasm-modules.d.ts" />
import hammingModule from "./hamming.wasm";

interface HammingExports {
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
}

const pageBytes = 65_536;
const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/**
 * A VectorSet's sign bits and live flags, kept in the memory of its own instance of hamming.wasm,
 * so the Hamming pass over every slot runs as compiled code (about six times faster than the same
 * loop in JavaScript in workerd). The memory holds, in order: the query's bits, the histogram of
 * distances, the live flags, the distances and the slots' bits; `bits` and `alive` are views of it,
 * replaced when the capacity grows.
 */
export class SignBitStore {
  bits: Uint32Array;
  alive: Uint8Array;
  private readonly exports: HammingExports;
  private readonly offsets: { query: number; histogram: number; alive: number; distances: number; bits: number };

  constructor(
    readonly words: number,
    readonly capacity: number,
    keep?: { from: SignBitStore; slots: number },
  ) {
    const query = 0;
    const histogram = align8(words * 4);
    const alive = histogram + align8(histogramLength(words) * 4);
    const distances = alive + align8(capacity);
    const bits = distances + align8(capacity * 2);
    this.offsets = { query, histogram, alive, distances, bits };
    this.exports = new WebAssembly.Instance(hammingModule, {}).exports as unknown as HammingExports;
    const needed = Math.ceil((bits + capacity * words * 4) / pageBytes);
    const pages = this.exports.memory.buffer.byteLength / pageBytes;
    if (needed > pages) this.exports.memory.grow(needed - pages);
    const buffer = this.exports.memory.buffer;
    this.bits = new Uint32Array(buffer, bits, capacity * words);
    this.alive = new Uint8Array(buffer, alive, capacity);
    if (keep) {
      this.bits.set(keep.from.bits.subarray(0, keep.slots * words));
      this.alive.set(keep.from.alive.subarray(0, keep.slots));
    }
  }

  /**
   * Each of the first `size` slots' Hamming distance to `query` (0xffff for a dead slot), and how
   * many live slots are at each distance. Both are views of the memory, valid until the next call.
   */
  distances(query: Uint32Array, size: number): { distances: Uint16Array; histogram: Uint32Array } {
    const buffer = this.exports.memory.buffer;
    const { offsets, words } = this;
    new Uint32Array(buffer, offsets.query, words).set(query);
    const histogram = new Uint32Array(buffer, offsets.histogram, histogramLength(words));
    histogram.fill(0);
    this.exports.distances(
      offsets.query,
      offsets.bits,
      offsets.alive,
      offsets.distances,
      offsets.histogram,
      size,
      words,
    );
    return { distances: new Uint16Array(buffer, offsets.distances, size), histogram };
  }
}

/** Distances run from 0 to every bit of the words. */
function histogramLength(words: number): number {
  return words * 32 + 1;
}
