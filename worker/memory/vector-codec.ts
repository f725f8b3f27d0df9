/**
 * How a vector is stored for scanning: its sign bits (one bit a dimension, for a coarse Hamming
 * scan over every engram) and the unit vector quantized to int8 with one scale (for re-ranking the
 * few candidates the scan keeps). 768 dimensions take 96 + 768 bytes instead of 3,072 as float32.
 */
export interface PackedVector {
  dims: number;
  /** Bit i of word i >> 5 is set when component i is positive. */
  bits: Uint32Array;
  /** Component i of the unit vector is about q8[i] * scale. */
  q8: Int8Array;
  scale: number;
}

/** 32-bit words holding the sign bits of `dims` components. */
export function signWords(dims: number): number {
  return Math.ceil(dims / 32);
}

/** `values` scaled to unit length; undefined when it is empty, zero or not finite. */
export function unitVector(values: ArrayLike<number>): Float32Array | undefined {
  let norm = 0;
  for (let index = 0; index < values.length; index++) norm += values[index]! * values[index]!;
  norm = Math.sqrt(norm);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const unit = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) unit[index] = values[index]! / norm;
  return unit;
}

export function packVector(unit: Float32Array): PackedVector {
  const dims = unit.length;
  let largest = 0;
  for (const value of unit) largest = Math.max(largest, Math.abs(value));
  const scale = largest > 0 ? largest / 127 : 1;
  const q8 = new Int8Array(dims);
  const bits = signBits(unit);
  for (let index = 0; index < dims; index++) q8[index] = Math.round(unit[index]! / scale);
  return { dims, bits, q8, scale };
}

export function signBits(vector: ArrayLike<number>): Uint32Array {
  const bits = new Uint32Array(signWords(vector.length));
  for (let index = 0; index < vector.length; index++) {
    if (vector[index]! > 0) bits[index >>> 5]! |= 1 << (index & 31);
  }
  return bits;
}

/** The bytes of a typed array, as bound to a BLOB parameter (little-endian, as every Worker runs). */
export function bytesOf(array: Uint32Array | Int8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

const hexValue: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let digit = 0; digit < 10; digit++) table[48 + digit] = digit;
  for (let letter = 0; letter < 6; letter++) table[65 + letter] = table[97 + letter] = 10 + letter;
  return table;
})();

/**
 * Decodes SQLite's `hex()` of a BLOB into `out` at `offset` (bytes). D1 hands a BLOB to the worker
 * as a JavaScript array of numbers, about ten times slower to read in bulk than its hex text.
 */
export function decodeHex(hex: string, out: Uint8Array, offset: number): void {
  const bytes = hex.length >>> 1;
  for (let index = 0, char = 0; index < bytes; index++, char += 2) {
    out[offset + index] = (hexValue[hex.charCodeAt(char)]! << 4) | hexValue[hex.charCodeAt(char + 1)]!;
  }
}

/** Euclidean norm of the int8 vector at `offset`. */
export function int8Norm(q8: Int8Array, offset: number, dims: number): number {
  let sum = 0;
  for (let index = 0; index < dims; index++) sum += q8[offset + index]! * q8[offset + index]!;
  return Math.sqrt(sum);
}

/** Cosine between a unit query and the int8 vector at `offset` whose norm is `norm` (four sums: fewer stalls). */
export function cosineInt8(query: Float32Array | Float64Array, q8: Int8Array, offset: number, norm: number): number {
  if (norm === 0) return 0;
  const length = query.length;
  const whole = length & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let index = 0; index < whole; index += 4) {
    s0 += query[index]! * q8[offset + index]!;
    s1 += query[index + 1]! * q8[offset + index + 1]!;
    s2 += query[index + 2]! * q8[offset + index + 2]!;
    s3 += query[index + 3]! * q8[offset + index + 3]!;
  }
  for (let index = whole; index < length; index++) s0 += query[index]! * q8[offset + index]!;
  return (s0 + s1 + s2 + s3) / norm;
}

/** A packed vector as its row stores it: `engram_vectors`' dims, bits, q8 and scale columns. */
export function vectorColumns(packed: PackedVector): { dims: number; bits: Uint8Array; q8: Uint8Array; scale: number } {
  return { dims: packed.dims, bits: bytesOf(packed.bits), q8: bytesOf(packed.q8), scale: packed.scale };
}
