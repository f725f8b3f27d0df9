import type { MemoryView as Memory } from "../api-types";
import type { AppContext } from "../app-context";
import { h, replaceChildren } from "../dom";
import { confirmDialog } from "../ui/dialog";
import { dateTime, unit } from "../ui/format";
import { toast } from "../ui/toast";

/** A chat exchange as stored ("User: …\n<agent>: …"): the person's words, and the reply. */
function transcriptOf(text: string): { user: string; reply: string } | undefined {
  const match = /^User: ([\s\S]*?)\n[^\n:]{1,64}: ([\s\S]*)$/.exec(text);
  return match ? { user: match[1]!.trim(), reply: match[2]!.trim() } : undefined;
}

/**
 * One engram in the list: its text (always as text: a memory is data, never markup), when and how
 * important; opened, it is read again from the worker and shows every field; it can be edited
 * (PATCH, only the changed fields) and deleted.
 */
export class MemoryCard {
  readonly element: HTMLLIElement;
  private mode: "summary" | "open" | "edit" = "summary";

  constructor(
    private readonly app: AppContext,
    private memory: Memory,
    private readonly onDeleted: (id: string) => void,
    private readonly score?: number,
  ) {
    this.element = h("li", { class: "memory-card card", "data-id": memory.id });
    this.render();
  }

  private render(): void {
    this.element.dataset.mode = this.mode;
    if (this.mode === "edit") return replaceChildren(this.element, this.editForm());
    const open = this.mode === "open";
    const toggle = this.button(open ? "Close" : "Open", () => void (open ? this.setMode("summary") : this.read()), {
      "aria-expanded": String(open),
    });
    const memory = this.memory;
    const transcript = transcriptOf(memory.text);
    // What the memory holds first: its facts (the model's enrichment), else its own words.
    const facts = memory.epistemic_truths.length
      ? h("ul", { class: "memory-facts" }, ...memory.epistemic_truths.map((truth) => h("li", {}, truth)))
      : transcript
        ? h("p", { class: "memory-headline" }, transcript.user)
        : undefined;
    const text = h(
      "p",
      { class: open || !facts ? "memory-text" : "memory-text clamped", id: `memory-text-${memory.id}` },
      memory.text,
    );
    replaceChildren(
      this.element,
      facts,
      memory.core_concepts.length
        ? h(
            "ul",
            { class: "memory-concepts", "aria-label": "Concepts" },
            ...memory.core_concepts.slice(0, 8).map((concept) => h("li", { class: "chip" }, concept)),
          )
        : undefined,
      // The transcript folded behind its facts; shown as it is when it is all there is.
      facts
        ? h(
            "details",
            { class: "memory-transcript", ...(open && { open: true }) },
            h("summary", {}, transcript ? "The conversation it came from" : "Full text"),
            text,
          )
        : text,
      open ? this.details() : undefined,
      h(
        "div",
        { class: "memory-meta" },
        h("span", {}, dateTime(memory.created_at)),
        h("span", {}, `importance ${unit(memory.importance, 2)}`),
        memory.affective_vibe ? h("span", {}, memory.affective_vibe) : undefined,
        this.score === undefined ? undefined : h("span", {}, `score ${this.score.toFixed(2)}`),
      ),
      h(
        "div",
        { class: "memory-actions" },
        toggle,
        this.button("Edit", () => this.setMode("edit")),
        this.button("Delete", () => void this.remove(), { class: "button small danger-text" }),
      ),
    );
  }

  private details(): HTMLElement {
    const row = (label: string, value: string) => [h("dt", {}, label), h("dd", {}, value || "—")];
    const memory = this.memory;
    return h(
      "dl",
      { class: "memory-details" },
      ...row("Id", memory.id),
      ...row("Conversation", memory.context_id ?? ""),
      ...row("Epistemic truths", memory.epistemic_truths.join("; ")),
      ...row("Core concepts", memory.core_concepts.join(", ")),
      ...row("Affective vibe", memory.affective_vibe ?? ""),
      ...row("References", String(memory.ref_count)),
      ...row("Updated", dateTime(memory.updated_at)),
      ...row("Last recalled", dateTime(memory.accessed_at)),
    );
  }

  private editForm(): HTMLFormElement {
    const id = this.memory.id;
    const field = (label: string, control: HTMLElement, hint?: string) =>
      h(
        "div",
        { class: "field" },
        h("label", { for: control.id }, label),
        control,
        hint ? h("p", { class: "hint" }, hint) : undefined,
      );
    const text = h("textarea", {
      id: `edit-text-${id}`,
      class: "input",
      rows: 5,
      required: true,
      value: this.memory.text,
    });
    const importance = h("input", {
      id: `edit-importance-${id}`,
      class: "input",
      type: "number",
      min: 0,
      max: 1,
      step: 0.05,
      value: String(this.memory.importance ?? 0.5),
    });
    const concepts = h("input", {
      id: `edit-concepts-${id}`,
      class: "input",
      value: this.memory.core_concepts.join(", "),
    });
    const truths = h("textarea", {
      id: `edit-truths-${id}`,
      class: "input",
      rows: 3,
      value: this.memory.epistemic_truths.join("\n"),
    });
    const vibe = h("input", { id: `edit-vibe-${id}`, class: "input", value: this.memory.affective_vibe ?? "" });
    const save = h("button", { type: "submit", class: "button primary small" }, "Save");
    const form = h(
      "form",
      { class: "memory-edit", "aria-label": "Edit memory" },
      field("Text", text),
      h("div", { class: "field-row" }, field("Importance (0–1)", importance), field("Affective vibe", vibe)),
      field("Core concepts", concepts, "Comma-separated."),
      field("Epistemic truths", truths, "One per line."),
      h(
        "div",
        { class: "memory-actions" },
        this.button("Cancel", () => this.setMode("summary")),
        save,
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const list = (value: string, separator: RegExp) =>
        value
          .split(separator)
          .map((item) => item.trim())
          .filter(Boolean);
      const next = {
        text: text.value.trim(),
        importance: Number(importance.value),
        core_concepts: list(concepts.value, /,/),
        epistemic_truths: list(truths.value, /\n/),
        affective_vibe: vibe.value.trim() || null,
      };
      const changes = Object.fromEntries(
        Object.entries(next).filter(
          ([key, value]) => JSON.stringify(value) !== JSON.stringify(this.memory[key as keyof Memory]),
        ),
      );
      if (!Object.keys(changes).length) return this.setMode("summary");
      save.disabled = true;
      void this.app.api
        .request<Memory>("PATCH", `/api/memories/${encodeURIComponent(id)}`, changes)
        .then((updated) => {
          this.memory = updated;
          toast("Memory saved");
          this.setMode("open");
        })
        .catch((error: Error) => {
          save.disabled = false;
          toast(`Could not save: ${error.message}`, "error");
        });
    });
    queueMicrotask(() => text.focus());
    return form;
  }

  private async read(): Promise<void> {
    try {
      this.memory = await this.app.api.request<Memory>("GET", `/api/memories/${encodeURIComponent(this.memory.id)}`);
    } catch (error) {
      toast(`Could not read the memory: ${(error as Error).message}`, "error");
      return;
    }
    this.setMode("open");
  }

  private async remove(): Promise<void> {
    const confirmed = await confirmDialog({
      title: "Delete this memory?",
      message: "The agent will no longer recall it. This cannot be undone.",
      confirmLabel: "Delete memory",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await this.app.api.request("DELETE", `/api/memories/${encodeURIComponent(this.memory.id)}`);
    } catch (error) {
      toast(`Could not delete: ${(error as Error).message}`, "error");
      return;
    }
    this.element.remove();
    this.onDeleted(this.memory.id);
    toast("Memory deleted");
  }

  private setMode(mode: MemoryCard["mode"]): void {
    this.mode = mode;
    this.render();
  }

  private button(label: string, action: () => void, props: Record<string, string> = {}): HTMLButtonElement {
    const described = this.mode === "edit" ? {} : { "aria-describedby": `memory-text-${this.memory.id}` };
    const button = h("button", { type: "button", class: "button small", ...described, ...props }, label);
    button.addEventListener("click", action);
    return button;
  }
}
