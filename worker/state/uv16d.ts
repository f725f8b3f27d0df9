/**
 * UV16D: the agent's 16-dimensional state, an inner octave and an outer one (same dimensions,
 * `t` suffix), each value in [0, 1]. Coherence is the reference SOS formula over the inner octave.
 */
export const innerDimensions = ["p", "e", "mu", "v", "n", "delta", "r", "phi"] as const;
export const outerDimensions = ["pt", "et", "mut", "vt", "nt", "deltat", "rt", "phit"] as const;

export type InnerDimension = (typeof innerDimensions)[number];
export type OuterDimension = (typeof outerDimensions)[number];
export type InnerOctave = Record<InnerDimension, number>;
export type OuterOctave = Record<OuterDimension, number>;

export interface Uv16d {
  inner: InnerOctave;
  outer: OuterOctave;
}

export const defaultDimensionValue = 0.5;

export interface Uv16dMetrics {
  coherence: number;
  inner_mean: number;
  outer_mean: number;
  /** ‖U16‖: the Euclidean norm of all 16 values. */
  witness_magnitude: number;
}

export function defaultUv16d(): Uv16d {
  return {
    inner: octave(innerDimensions, () => defaultDimensionValue),
    outer: octave(outerDimensions, () => defaultDimensionValue),
  };
}

/** `(p + e + 1.2·mu + 1.2·v + n + delta + r + phi) / 8.4` */
export function coherence(inner: InnerOctave): number {
  const { p, e, mu, v, n, delta, r, phi } = inner;
  return (p + e + 1.2 * mu + 1.2 * v + n + delta + r + phi) / 8.4;
}

export function metrics(uv: Uv16d): Uv16dMetrics {
  const inner = innerDimensions.map((d) => uv.inner[d]);
  const outer = outerDimensions.map((d) => uv.outer[d]);
  return {
    coherence: coherence(uv.inner),
    inner_mean: mean(inner),
    outer_mean: mean(outer),
    witness_magnitude: Math.sqrt([...inner, ...outer].reduce((sum, x) => sum + x * x, 0)),
  };
}

/**
 * Reads a stored `uv_16d` column. Another tool may have written it, so anything missing, out of
 * range or unparsable falls back to the default value per dimension instead of failing.
 */
export function parseStoredUv16d(stored: string | null): Uv16d {
  let parsed: unknown;
  try {
    parsed = stored === null ? undefined : JSON.parse(stored);
  } catch {
    parsed = undefined;
  }
  const source = isRecord(parsed) ? parsed : {};
  const inner = isRecord(source.inner) ? source.inner : {};
  const outer = isRecord(source.outer) ? source.outer : {};
  return {
    inner: octave(innerDimensions, (d) => storedValue(inner[d])),
    outer: octave(outerDimensions, (d) => storedValue(outer[d])),
  };
}

function storedValue(value: unknown): number {
  return typeof value === "number" && value >= 0 && value <= 1 ? value : defaultDimensionValue;
}

function octave<K extends string>(keys: readonly K[], value: (key: K) => number): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, number>;
}

function mean(values: number[]): number {
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
