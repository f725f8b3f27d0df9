/**
 * The UV16D dimensions and formulas come from the worker's own module, so the chart's preview of
 * an edit computes coherence exactly as the worker will.
 */
import { coherence, innerDimensions, metrics, outerDimensions } from "../../worker/state/uv16d";
import type { InnerDimension, OuterDimension } from "../../worker/state/uv16d";

export { coherence, metrics };

type Key = InnerDimension | OuterDimension;

const names: Record<InnerDimension, { symbol: string; name: string }> = {
  p: { symbol: "p", name: "phase / identity" },
  e: { symbol: "e", name: "existence" },
  mu: { symbol: "μ", name: "cognition" },
  v: { symbol: "v", name: "vitality" },
  n: { symbol: "n", name: "narrative" },
  delta: { symbol: "δ", name: "trajectory" },
  r: { symbol: "r", name: "relationality" },
  phi: { symbol: "φ", name: "field awareness" },
};

export interface Dimension {
  key: Key;
  octave: "inner" | "outer";
  symbol: string;
  name: string;
}

/** Inner octave then outer, in the worker's order. */
export const dimensions: Dimension[] = [
  ...innerDimensions.map((key) => ({ key, octave: "inner" as const, ...names[key] })),
  ...outerDimensions.map((key, index) => ({ key, octave: "outer" as const, ...names[innerDimensions[index]!] })),
];

/** "μ cognition", "μt cognition (outer)". */
export const dimensionLabels = Object.fromEntries(
  dimensions.map((d) => [d.key, d.octave === "inner" ? `${d.symbol} ${d.name}` : `${d.symbol}t ${d.name} (outer)`]),
) as Record<Key, string>;
