import type { Uv16d } from "./api-types";
import { svg } from "./dom";
import { dimensionLabels, dimensions } from "./uv16d";

const radius = 120;
const rings = [0.25, 0.5, 0.75, 1];

/**
 * The 16 dimensions on one radar: the inner octave on the right half, the outer octave on the
 * left, each spoke 0 at the centre and 1 at the rim. The saved state is the filled shape; unsaved
 * edits show as a dashed outline over it.
 */
export function radarChart(saved: Uv16d, draft?: Uv16d): SVGSVGElement {
  const changed = draft !== undefined && JSON.stringify(draft) !== JSON.stringify(saved);
  const chart = svg(
    "svg",
    { class: "radar", viewBox: "-175 -165 350 330", role: "img", "aria-labelledby": "radar-title radar-desc" },
    svg("title", { id: "radar-title" }, "Agent state, 16 dimensions"),
    svg("desc", { id: "radar-desc" }, describe(saved)),
    ...rings.map((ring) => svg("polygon", { class: "radar-ring", points: points(dimensions.map(() => ring)) })),
    ...dimensions.map((_, index) => {
      const [x, y] = at(index, 1);
      return svg("line", { class: "radar-spoke", x1: 0, y1: 0, x2: x.toFixed(1), y2: y.toFixed(1) });
    }),
    svg("line", { class: "radar-divider", x1: 0, y1: -radius - 8, x2: 0, y2: radius + 8 }),
    svg("polygon", { class: "radar-value", id: "radar-value", points: points(values(saved)) }),
    changed ? svg("polygon", { class: "radar-draft", id: "radar-draft", points: points(values(draft)) }) : undefined,
    ...dimensions.map((dimension, index) => {
      const value = values(changed ? draft : saved)[index]!;
      const [x, y] = at(index, value);
      return svg(
        "circle",
        { class: `radar-dot ${dimension.octave}`, cx: x.toFixed(1), cy: y.toFixed(1), r: 3.5 },
        svg("title", {}, `${dimensionLabels[dimension.key]}: ${value.toFixed(2)}`),
      );
    }),
    ...dimensions.map((dimension, index) => {
      const [x, y] = at(index, 1.16);
      const anchor = Math.abs(x) < 4 ? "middle" : x > 0 ? "start" : "end";
      return svg(
        "text",
        { class: `radar-label ${dimension.octave}`, x: x.toFixed(1), y: (y + 4).toFixed(1), "text-anchor": anchor },
        dimension.symbol,
        dimension.octave === "outer" ? svg("tspan", { "baseline-shift": "sub", class: "radar-sub" }, "t") : undefined,
      );
    }),
    svg("text", { class: "radar-caption", x: 150, y: 160, "text-anchor": "end" }, "inner"),
    svg("text", { class: "radar-caption", x: -150, y: 160, "text-anchor": "start" }, "outer"),
  );
  return chart;
}

function values(uv: Uv16d): number[] {
  return dimensions.map((dimension) =>
    dimension.octave === "inner"
      ? uv.inner[dimension.key as keyof Uv16d["inner"]]
      : uv.outer[dimension.key as keyof Uv16d["outer"]],
  );
}

/** Spoke `index` at `value` of the radius; half a step off the vertical, so the octaves split left and right. */
function at(index: number, value: number): [number, number] {
  const angle = -Math.PI / 2 + ((index + 0.5) * 2 * Math.PI) / dimensions.length;
  return [Math.cos(angle) * radius * value, Math.sin(angle) * radius * value];
}

function points(list: number[]): string {
  return list
    .map((value, index) =>
      at(index, value)
        .map((coordinate) => coordinate.toFixed(1))
        .join(","),
    )
    .join(" ");
}

function describe(uv: Uv16d): string {
  return dimensions
    .map((dimension, index) => `${dimensionLabels[dimension.key]} ${values(uv)[index]!.toFixed(2)}`)
    .join(", ");
}
