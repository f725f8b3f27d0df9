import type { EraseBody, MemoryPage, MemoryView as Memory, SearchBody } from "../api-types";
import type { AppContext, View } from "../app-context";
import { h, replaceChildren } from "../dom";
import { confirmDialog } from "../ui/dialog";
import { icon } from "../ui/icon";
import { toast } from "../ui/toast";
import { MemoryCard } from "./memory-card";

/** The DELETE /api/data confirmation, verbatim (the worker refuses anything else). */
const eraseConfirmation = "erase everything";

/**
 * The agent's long-term memory: newest first with paging and its true count, full-text search, a
 * memory added by hand, export; erasing everything stands apart, as the dangerous action it is.
 */
export class MemoryView implements View {
  readonly element: HTMLElement;
  private readonly search = h("input", {
    type: "search",
    id: "memory-search",
    class: "input",
    placeholder: "Search memories",
    "aria-label": "Search memories",
    autocomplete: "off",
  });
  private readonly list = h("ul", { class: "memory-list", id: "memory-list", "aria-label": "Memories" });
  private readonly status = h("p", { class: "muted memory-status", id: "memory-status", role: "status" });
  private readonly more = h(
    "button",
    { type: "button", class: "button", id: "memory-more", hidden: true },
    "Load more",
  );
  private readonly clear = h("button", { type: "button", class: "button", hidden: true }, "Clear search");
  private readonly refresh = h(
    "button",
    { type: "button", class: "icon-button", id: "memory-refresh", "aria-label": "Refresh the list", title: "Refresh" },
    icon("retry"),
  );
  private cursor: string | null = null;
  /** Bumped by each new listing or search; an answer to an older one is dropped, not appended twice. */
  private generation = 0;
  private loaded = false;
  /** Cards shown, and how many memories the agent holds (from the worker). */
  private count = 0;
  private total: number | undefined;
  private readonly addForm: HTMLFormElement;
  private readonly addText = h("textarea", {
    id: "memory-add-text",
    class: "input",
    rows: 3,
    required: true,
    maxlength: 32000,
    placeholder: "Something your agent should remember, in your words",
  });
  private readonly addConcepts = h("input", { id: "memory-add-concepts", class: "input", autocomplete: "off" });

  constructor(private readonly app: AppContext) {
    const searchForm = h(
      "form",
      { class: "memory-search", role: "search" },
      this.search,
      h("button", { type: "submit", class: "button primary" }, "Search"),
      this.clear,
      this.refresh,
    );
    searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const query = this.search.value.trim();
      void (query ? this.find(query) : this.loadFirst());
    });
    this.clear.addEventListener("click", () => {
      this.search.value = "";
      void this.loadFirst();
    });
    this.more.addEventListener("click", () => void this.loadMore());
    this.refresh.addEventListener("click", () => {
      const query = this.search.value.trim();
      void (query ? this.find(query) : this.loadFirst());
    });
    const exportButton = h(
      "button",
      { type: "button", class: "button", id: "export-data" },
      icon("download"),
      "Export everything",
    );
    exportButton.addEventListener("click", () => void this.exportAll(exportButton));
    const eraseButton = h(
      "button",
      { type: "button", class: "button danger", id: "erase-data" },
      icon("trash"),
      "Erase everything",
    );
    eraseButton.addEventListener("click", () => void this.eraseAll());
    const addButton = h(
      "button",
      {
        type: "button",
        class: "button primary",
        id: "memory-add",
        "aria-expanded": "false",
        "aria-controls": "memory-add-form",
      },
      icon("plus"),
      "Add a memory",
    );
    this.addForm = h(
      "form",
      { class: "card memory-add", id: "memory-add-form", "aria-labelledby": "memory-add-title", hidden: true },
      h("h2", { id: "memory-add-title" }, "Add a memory"),
      h("div", { class: "field" }, h("label", { for: "memory-add-text" }, "Memory"), this.addText),
      h(
        "div",
        { class: "field" },
        h("label", { for: "memory-add-concepts" }, "Concepts (optional)"),
        this.addConcepts,
        h("p", { class: "hint", id: "memory-add-hint" }, "Comma-separated. Left empty, the model finds them."),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "button", class: "button", onclick: () => this.toggleAdd(addButton, false) }, "Cancel"),
        h("button", { type: "submit", class: "button primary" }, "Save memory"),
      ),
    );
    this.addConcepts.setAttribute("aria-describedby", "memory-add-hint");
    addButton.addEventListener("click", () => this.toggleAdd(addButton, this.addForm.hidden !== false));
    this.addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.addMemory(addButton);
    });
    this.element = h(
      "section",
      { class: "view page memory-view", id: "view-memories", "aria-labelledby": "memories-title", hidden: true },
      h(
        "div",
        { class: "page-header" },
        h(
          "div",
          {},
          h("h1", { id: "memories-title" }, "Memories"),
          h("p", { class: "muted" }, "What your agent remembers, stored in your D1 database."),
        ),
        h("div", { class: "page-actions" }, addButton, exportButton),
      ),
      this.addForm,
      searchForm,
      this.status,
      this.list,
      this.more,
      h(
        "section",
        { class: "card danger-zone", "aria-labelledby": "danger-title" },
        h("h2", { id: "danger-title" }, "Erase everything"),
        h(
          "p",
          { class: "muted" },
          "Deletes every memory, the agent's state, all conversations and contact messages from your account, " +
            "for good. Export first if you may want them back.",
        ),
        eraseButton,
      ),
    );
  }

  show(): void {
    if (!this.loaded) void this.loadFirst();
  }

  reset(): void {
    this.loaded = false;
    this.cursor = null;
    this.list.replaceChildren();
    this.status.textContent = "";
    this.more.hidden = true;
  }

  private async loadFirst(): Promise<void> {
    this.loaded = true;
    this.clear.hidden = true;
    this.cursor = null;
    this.count = 0;
    this.total = undefined;
    this.list.replaceChildren();
    await this.loadMore(++this.generation);
  }

  private async loadMore(generation = this.generation): Promise<void> {
    this.more.disabled = true;
    const query = this.cursor ? `?limit=20&cursor=${encodeURIComponent(this.cursor)}` : "?limit=20";
    try {
      const page = await this.app.api.request<MemoryPage>("GET", `/api/memories${query}`);
      if (generation !== this.generation) return;
      this.cursor = page.next_cursor;
      if (page.total !== undefined) this.total = page.total;
      this.addCards(page.memories.map((memory) => new MemoryCard(this.app, memory, () => this.removed())));
      this.describeList();
    } catch (error) {
      this.loaded = false;
      this.status.textContent = `Memories could not be loaded: ${(error as Error).message}`;
    } finally {
      this.more.disabled = false;
      this.more.hidden = this.cursor === null;
    }
  }

  private async find(query: string): Promise<void> {
    this.clear.hidden = false;
    this.more.hidden = true;
    const generation = ++this.generation;
    try {
      const body = await this.app.api.request<SearchBody>("POST", "/api/memories/search", { query, limit: 50 });
      if (generation !== this.generation) return;
      this.count = 0;
      this.list.replaceChildren();
      this.addCards(body.results.map((result) => new MemoryCard(this.app, result, () => this.removed(), result.score)));
      this.status.textContent = body.results.length
        ? `${body.results.length} ${body.results.length === 1 ? "memory matches" : "memories match"} “${query}”.`
        : `No memory matches “${query}”.`;
    } catch (error) {
      this.status.textContent = `Search failed: ${(error as Error).message}`;
    }
  }

  private addCards(cards: MemoryCard[]): void {
    this.count += cards.length;
    for (const card of cards) this.list.appendChild(card.element);
  }

  private removed(): void {
    this.count--;
    if (this.total !== undefined) this.total = Math.max(0, this.total - 1);
    if (this.clear.hidden) this.describeList();
    else if (!this.list.children.length) this.status.textContent = "No memory left among the results.";
  }

  /** "12 memories, newest first." with the agent's true count, however many pages are shown. */
  private describeList(): void {
    const total = this.total ?? this.count;
    this.status.textContent = total
      ? `${total} ${total === 1 ? "memory" : "memories"}, newest first.`
      : "No memories yet. Every chat exchange is stored as one, unless the chat is not to be remembered.";
  }

  private toggleAdd(button: HTMLButtonElement, open: boolean): void {
    this.addForm.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) this.addText.focus();
    else button.focus();
  }

  /** POST /api/memories: the text, and the concepts when given (else the model's enrichment finds them). */
  private async addMemory(button: HTMLButtonElement): Promise<void> {
    const text = this.addText.value.trim();
    if (!text) return this.addText.focus();
    const concepts = this.addConcepts.value
      .split(",")
      .map((concept) => concept.trim())
      .filter(Boolean);
    try {
      const response = await this.app.api.send("POST", "/api/memories", {
        text,
        ...(concepts.length && { core_concepts: concepts }),
      });
      const merged = response.status === 200;
      const memory = (await response.json()) as Memory;
      this.list.querySelector(`[data-id="${CSS.escape(memory.id)}"]`)?.remove();
      if (!merged) {
        this.count++;
        if (this.total !== undefined) this.total++;
      }
      const card = new MemoryCard(this.app, memory, () => this.removed());
      this.list.prepend(card.element);
      this.describeList();
      this.addText.value = "";
      this.addConcepts.value = "";
      this.toggleAdd(button, false);
      toast(merged ? "Merged into a memory that said the same" : "Memory saved");
    } catch (error) {
      toast(`Could not save the memory: ${(error as Error).message}`, "error");
    }
  }

  /** GET /api/export needs the key, so it is fetched and handed to the browser as a file. */
  private async exportAll(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const response = await this.app.api.send("GET", "/api/export");
      const blob = new Blob([await response.arrayBuffer()], { type: "application/json" });
      const url = URL.createObjectURL(blob);
      const link = h("a", {
        href: url,
        download: `sos-export-${new Date().toISOString().slice(0, 10)}.json`,
        hidden: true,
      });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast("Export downloaded");
    } catch (error) {
      toast(`Export failed: ${(error as Error).message}`, "error");
    } finally {
      button.disabled = false;
    }
  }

  private async eraseAll(): Promise<void> {
    const confirmed = await confirmDialog({
      title: "Erase everything?",
      message:
        "Every memory, the agent's state, all conversations and contact messages are deleted from your account. " +
        "Export first if you may want them back. This cannot be undone.",
      confirmLabel: "Erase everything",
      danger: true,
      requireText: eraseConfirmation,
    });
    if (!confirmed) return;
    try {
      const body = await this.app.api.request<EraseBody>("DELETE", "/api/data", { confirm: eraseConfirmation });
      const counts = Object.entries(body.erased).map(([name, count]) => `${count} ${name.replace(/_/g, " ")}`);
      this.app.dataErased();
      this.loaded = true;
      replaceChildren(this.list);
      this.status.textContent = `Erased: ${counts.join(", ")}.`;
      toast("Everything was erased");
    } catch (error) {
      toast(`Erase failed: ${(error as Error).message}`, "error");
    }
  }
}
