import type { ConversationPage, ConversationView } from "../api-types";
import type { AppContext } from "../app-context";
import { h, replaceChildren, text } from "../dom";
import { confirmDialog } from "../ui/dialog";
import { ago } from "../ui/format";
import { icon } from "../ui/icon";
import { toast } from "../ui/toast";

export interface SessionListEvents {
  open(id: string): void;
  newChat(): void;
  deleted(id: string): void;
  renamed(id: string, title: string): void;
}

/** The marks the worker puts around a search hit in a snippet (control characters, never markup). */
const markOpen = "\u0002";
const markClose = "\u0003";

type Listed = ConversationView & { snippet?: string | null };

/**
 * The conversations kept in D1 (until the user deletes them), pinned first, then the most recent;
 * a search over their titles and messages as one types; each one opened, renamed, pinned or
 * deleted from its "More" actions.
 */
export class SessionList {
  readonly element: HTMLElement;
  private readonly list = h("ul", { class: "session-list", id: "session-list" });
  private readonly status = h("p", { class: "muted small session-status", role: "status" });
  private readonly search = h("input", {
    type: "search",
    id: "conversation-search",
    class: "input",
    placeholder: "Search conversations",
    "aria-label": "Search conversations",
    autocomplete: "off",
  });
  private readonly heading = h("h2", { class: "sidebar-title", id: "sidebar-title" }, "Conversations");
  private conversations: Listed[] = [];
  private active: string | undefined;
  /** Bumped by each load; an older answer is dropped. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly app: AppContext,
    private readonly on: SessionListEvents,
    closeButton: HTMLButtonElement,
  ) {
    const newChat = h(
      "button",
      { type: "button", class: "button primary new-chat", id: "new-chat" },
      icon("plus"),
      "New chat",
    );
    newChat.addEventListener("click", () => this.on.newChat());
    this.search.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.refresh(), 200);
    });
    this.element = h(
      "aside",
      { class: "sidebar", id: "sidebar", "aria-labelledby": "sidebar-title" },
      h("div", { class: "sidebar-top" }, newChat, closeButton),
      h(
        "form",
        { class: "conversation-search", role: "search", onsubmit: (event: Event) => event.preventDefault() },
        this.search,
      ),
      this.heading,
      this.list,
      this.status,
    );
  }

  setActive(id: string | undefined): void {
    this.active = id;
    for (const item of this.list.querySelectorAll<HTMLElement>("li[data-id]")) {
      if (item.dataset.id === id) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    }
  }

  reset(): void {
    this.conversations = [];
    this.search.value = "";
    this.list.replaceChildren();
    this.status.textContent = "";
  }

  /** Reads the list (or the search's results) again. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const query = this.search.value.trim();
    const path = query ? `/api/conversations?limit=50&q=${encodeURIComponent(query)}` : "/api/conversations?limit=100";
    try {
      const page = await this.app.api.request<ConversationPage>("GET", path);
      if (generation !== this.generation) return;
      this.conversations = page.conversations;
    } catch {
      if (generation === this.generation) this.status.textContent = "Conversations could not be loaded.";
      return;
    }
    this.heading.textContent = query ? "Search results" : "Conversations";
    this.render(query);
  }

  private render(query: string): void {
    replaceChildren(this.list, ...this.conversations.map((conversation) => this.item(conversation)));
    this.status.textContent = this.conversations.length
      ? query
        ? `${this.conversations.length} ${this.conversations.length === 1 ? "conversation matches" : "conversations match"}.`
        : ""
      : query
        ? `No conversation matches “${query}”.`
        : "No conversations yet. They are kept until you delete them.";
    this.setActive(this.active);
  }

  private item(conversation: Listed): HTMLLIElement {
    const title = conversation.title;
    const details = h(
      "span",
      { class: "session-meta" },
      conversation.snippet ? highlighted(conversation.snippet) : `${ago(conversation.updated_at)}`,
    );
    const open = h(
      "button",
      { type: "button", class: "session-open" },
      h(
        "span",
        { class: "session-title" },
        conversation.pinned ? h("span", { class: "pin-mark", "aria-label": "Pinned" }, icon("pin")) : undefined,
        title,
      ),
      details,
    );
    open.addEventListener("click", () => this.on.open(conversation.id));
    const actionsId = `actions-${conversation.id}`;
    const more = h(
      "button",
      {
        type: "button",
        class: "icon-button session-more",
        "aria-label": `More actions: ${title}`,
        title: "More actions",
        "aria-expanded": "false",
        "aria-controls": actionsId,
      },
      icon("more"),
    );
    const rename = h("button", { type: "button", class: "button small" }, icon("edit"), "Rename");
    const pin = h(
      "button",
      { type: "button", class: "button small" },
      icon("pin"),
      conversation.pinned ? "Unpin" : "Pin",
    );
    const remove = h(
      "button",
      { type: "button", class: "button small danger-text", "aria-label": `Delete conversation: ${title}` },
      icon("trash"),
      "Delete",
    );
    const actions = h("div", { class: "session-actions", id: actionsId, hidden: true }, rename, pin, remove);
    more.addEventListener("click", () => {
      const open = actions.hidden;
      actions.hidden = !open;
      more.setAttribute("aria-expanded", String(open));
    });
    rename.addEventListener("click", () => this.startRename(item, conversation));
    pin.addEventListener("click", () => void this.update(conversation.id, { pinned: !conversation.pinned }));
    remove.addEventListener("click", () => void this.remove(conversation.id, title));
    const item = h(
      "li",
      { class: "session-item", "data-id": conversation.id },
      h("div", { class: "session-row" }, open, more),
      actions,
    );
    return item;
  }

  private startRename(item: HTMLLIElement, conversation: Listed): void {
    const input = h("input", {
      class: "input rename-input",
      id: `rename-${conversation.id}`,
      "aria-label": "New name",
      value: conversation.title,
      maxlength: 200,
      required: true,
    });
    const save = h("button", { type: "submit", class: "button primary small" }, "Save");
    const cancel = h("button", { type: "button", class: "button small" }, "Cancel");
    const form = h("form", { class: "rename-form", "aria-label": "Rename the conversation" }, input, save, cancel);
    const close = () => {
      form.remove();
      item.querySelector<HTMLElement>(".session-row")!.hidden = false;
      item.querySelector<HTMLButtonElement>(".session-more")?.focus();
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const title = input.value.trim();
      if (!title) return input.focus();
      void this.update(conversation.id, { title }).then((ok) => ok && this.on.renamed(conversation.id, title));
    });
    cancel.addEventListener("click", close);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        close();
      }
    });
    item.querySelector<HTMLElement>(".session-row")!.hidden = true;
    item.querySelector<HTMLElement>(".session-actions")!.hidden = true;
    item.prepend(form);
    input.select();
    input.focus();
  }

  private async update(id: string, patch: { title?: string; pinned?: boolean }): Promise<boolean> {
    try {
      await this.app.api.request("PATCH", `/api/conversations/${encodeURIComponent(id)}`, patch);
    } catch (error) {
      toast(`Could not change the conversation: ${(error as Error).message}`, "error");
      return false;
    }
    toast(
      patch.title !== undefined
        ? "Conversation renamed"
        : patch.pinned
          ? "Conversation pinned"
          : "Conversation unpinned",
    );
    await this.refresh();
    this.list.querySelector<HTMLButtonElement>(`li[data-id="${CSS.escape(id)}"] .session-open`)?.focus();
    return true;
  }

  private async remove(id: string, title: string): Promise<void> {
    const confirmed = await confirmDialog({
      title: "Delete this conversation?",
      message: `“${title}” and all its messages will be deleted. Memories made from it stay; manage them under Memories.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await this.app.api.request("DELETE", `/api/conversations/${encodeURIComponent(id)}`);
    } catch (error) {
      toast(`Could not delete: ${(error as Error).message}`, "error");
      return;
    }
    this.conversations = this.conversations.filter((conversation) => conversation.id !== id);
    this.render(this.search.value.trim());
    this.on.deleted(id);
    toast("Conversation deleted");
  }
}

/** A snippet with its hits marked: text and <mark> nodes, never markup from the worker. */
function highlighted(snippet: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const [index, part] of snippet.split(markOpen).entries()) {
    if (index === 0) {
      fragment.appendChild(text(part));
      continue;
    }
    const [hit = "", rest = ""] = part.split(markClose);
    fragment.appendChild(h("mark", {}, hit));
    if (rest) fragment.appendChild(text(rest));
  }
  return fragment;
}
