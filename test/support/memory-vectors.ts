import type { D1Database } from "@cloudflare/workers-types/index";

/**
 * Shared by the memory and import tests: vectors with chosen cosines, each engram's stored vector, and
 * waiting for background work.
 */

export const dims = 8;

/** The unit vector along axis `axis`. */
export function basis(axis: number, size = dims): number[] {
  return Array.from({ length: size }, (_, index) => (index === axis ? 1 : 0));
}

/** A unit vector whose cosine with `a` is `cosine`, leaning towards `b` (a and b orthonormal). */
export function mix(a: number[], b: number[], cosine: number): number[] {
  const rest = Math.sqrt(1 - cosine * cosine);
  return a.map((value, index) => cosine * value + rest * b[index]!);
}

/** Polls `probe` until it returns something other than undefined or false. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface VectorRowView {
  engram_id: string;
  model: string;
  dims: number | null;
  bits_bytes: number | null;
  q8_bytes: number | null;
}

/** Each engram's stored vector: its model and sizes. */
export async function vectorRows(d1: D1Database): Promise<VectorRowView[]> {
  const result = await d1
    .prepare(
      `SELECT engram_id, model, dims, length(bits) AS bits_bytes, length(q8) AS q8_bytes
       FROM engram_vectors ORDER BY engram_rowid`,
    )
    .all<VectorRowView>();
  return result.results;
}
