import type { StateBody, Uv16d } from "../api-types";
import type { AppContext, View } from "../app-context";
import { h, replaceChildren } from "../dom";
import { radarChart } from "../radar-chart";
import { ago, unit } from "../ui/format";
import { toast } from "../ui/toast";
import { coherence, dimensions, metrics, type Dimension } from "../uv16d";

/**
 * The agent's UV16D state: the radar, coherence and the octave means as the worker computed them,
 * and a slider per dimension. Moving one previews the shape and coherence; Save replaces the
 * state (PUT /api/state) and shows what the worker stored.
 */
export class StateView implements View {
  readonly element: HTMLElement;
  private readonly chart = h("div", { class: "radar-box", id: "radar" });
  private readonly summary = h("dl", { class: "metrics", id: "state-metrics" });
  private readonly preview = h("p", { class: "preview", id: "coherence-preview", role: "status" });
  private readonly fieldsets = h("div", { class: "octaves" });
  private readonly save = h(
    "button",
    { type: "submit", class: "button primary", id: "state-save", disabled: true },
    "Save state",
  );
  private readonly revert = h(
    "button",
    { type: "button", class: "button", id: "state-reset", disabled: true },
    "Undo changes",
  );
  private readonly sliders = new Map<string, { input: HTMLInputElement; output: HTMLOutputElement }>();
  private state: StateBody | undefined;
  private draft: Uv16d | undefined;

  constructor(private readonly app: AppContext) {
    const form = h(
      "form",
      { class: "card state-form", "aria-label": "Edit the state" },
      this.fieldsets,
      h("div", { class: "form-actions" }, this.revert, this.save),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.store();
    });
    this.revert.addEventListener("click", () => this.state && this.apply(this.state));
    for (const octave of ["inner", "outer"] as const) {
      this.fieldsets.appendChild(
        h(
          "fieldset",
          { class: `octave ${octave}` },
          h("legend", {}, octave === "inner" ? "Inner octave" : "Outer octave"),
          ...dimensions.filter((d) => d.octave === octave).map((d) => this.slider(d)),
        ),
      );
    }
    this.element = h(
      "section",
      { class: "view page state-view", id: "view-state", "aria-labelledby": "state-title", hidden: true },
      h(
        "div",
        { class: "page-header" },
        h(
          "div",
          {},
          h("h1", { id: "state-title" }, "Agent state"),
          h("p", { class: "muted" }, "Sixteen dimensions (UV16D), each from 0 to 1."),
        ),
      ),
      h(
        "div",
        { class: "state-layout" },
        h("div", { class: "card chart-card" }, this.chart, this.summary, this.preview),
        form,
      ),
    );
  }

  /** Reads the state again, unless there are unsaved edits to keep. */
  show(): void {
    if (this.state && JSON.stringify(this.draft) !== JSON.stringify(this.state.uv_16d)) return;
    void this.load();
  }

  reset(): void {
    this.state = undefined;
    this.draft = undefined;
  }

  private async load(): Promise<void> {
    try {
      this.apply(await this.app.api.request<StateBody>("GET", "/api/state"));
    } catch (error) {
      replaceChildren(
        this.summary,
        h("p", { class: "error-text" }, `The state could not be loaded: ${(error as Error).message}`),
      );
    }
  }

  private async store(): Promise<void> {
    if (!this.draft) return;
    this.save.disabled = true;
    try {
      this.apply(await this.app.api.request<StateBody>("PUT", "/api/state", this.draft));
      toast("State saved");
    } catch (error) {
      this.save.disabled = false;
      toast(`Could not save the state: ${(error as Error).message}`, "error");
    }
  }

  /** Shows a state from the worker and makes it the starting point of the next edit. */
  private apply(state: StateBody): void {
    this.state = state;
    this.draft = structuredClone(state.uv_16d);
    for (const d of dimensions) {
      const value = read(state.uv_16d, d);
      const slider = this.sliders.get(d.key)!;
      slider.input.value = String(value);
      slider.output.value = value.toFixed(2);
    }
    const row = (label: string, value: string, id: string, big = false) =>
      h("div", { class: big ? "metric big" : "metric" }, h("dt", {}, label), h("dd", { id }, value));
    replaceChildren(
      this.summary,
      row("Coherence", unit(state.coherence), "coherence", true),
      row("Inner mean", unit(state.inner_mean), "inner-mean"),
      row("Outer mean", unit(state.outer_mean), "outer-mean"),
      row("‖U16‖", unit(state.witness_magnitude), "witness"),
      row("Last saved", state.last_sync ? ago(state.last_sync) : "never", "last-sync"),
    );
    this.redraw();
  }

  private redraw(): void {
    if (!this.state || !this.draft) return;
    replaceChildren(this.chart, radarChart(this.state.uv_16d, this.draft));
    const changed = JSON.stringify(this.draft) !== JSON.stringify(this.state.uv_16d);
    this.save.disabled = !changed;
    this.revert.disabled = !changed;
    const next = metrics(this.draft);
    this.preview.textContent = changed
      ? `Unsaved: coherence ${unit(coherence(this.draft.inner))}, inner ${unit(next.inner_mean)}, outer ${unit(next.outer_mean)}`
      : "";
  }

  private slider(d: Dimension): HTMLElement {
    const id = `dim-${d.key}`;
    const input = h("input", { type: "range", id, class: "range", min: 0, max: 1, step: 0.01, value: "0.5" });
    const output = h("output", { for: id, id: `${id}-value`, class: "range-value" }, "0.50");
    input.addEventListener("input", () => {
      if (!this.draft) return;
      const value = Number(input.value);
      if (d.octave === "inner") this.draft.inner[d.key as keyof Uv16d["inner"]] = value;
      else this.draft.outer[d.key as keyof Uv16d["outer"]] = value;
      output.value = value.toFixed(2);
      this.redraw();
    });
    this.sliders.set(d.key, { input, output });
    return h(
      "div",
      { class: "slider-row" },
      h(
        "label",
        { for: id },
        h("span", { class: `symbol ${d.octave}` }, d.octave === "outer" ? `${d.symbol}t` : d.symbol),
        // A space, so the label reads "μ cognition", not "μcognition", to a screen reader as on screen.
        " ",
        h("span", {}, d.name),
      ),
      input,
      output,
    );
  }
}

function read(uv: Uv16d, d: Dimension): number {
  return d.octave === "inner" ? uv.inner[d.key as keyof Uv16d["inner"]] : uv.outer[d.key as keyof Uv16d["outer"]];
}
