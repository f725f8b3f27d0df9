import type { AppContext } from "../app";
import type { Session, SessionPage, SessionSummary } from "../api-types";
import { h, icon, replaceChildren } from "../dom";
import { confirmDialog } from "../ui/dialog";
import { ago, titleFrom } from "../ui/format";
import { toast } from "../ui/toast";

export interface SessionListEvents {
  open(id: string): void;
  newChat(): void;
  deleted(id: string): void;
}

/**
 * The conversations kept in KV (they expire SESSION_TTL_SECONDS after their last message), newest
 * first, titled by their first message (read once per session, kept in memory only).
 */
export class SessionList {
  readonly element: HTMLElement;
  private readonly list = h("ul", { class: "session-list", id: "session-list" });
  private readonly status = h("p", { class: "muted small session-status" });
  private readonly titles = new Map<string, string>();
  private sessions: SessionSummary[] = [];
  private active: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly app: AppContext,
    private readonly on: SessionListEvents,
  ) {
    const newChat = h(
      "button",
      { type: "button", class: "button primary new-chat", id: "new-chat" },
      icon("plus"),
      "New chat",
    );
    newChat.addEventListener("click", () => this.on.newChat());
    this.element = h(
      "aside",
      { class: "sidebar", id: "sidebar", "aria-label": "Conversations" },
      newChat,
      h("h2", { class: "sidebar-title" }, "Recent conversations"),
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

  /** A title known from this page (the first message just sent), so the list needs no extra read. */
  rememberTitle(id: string, message: string): void {
    if (!this.titles.has(id)) this.titles.set(id, titleFrom(message));
  }

  reset(): void {
    this.titles.clear();
    this.sessions = [];
    this.list.replaceChildren();
    this.status.textContent = "";
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const page = await this.app.api.request<SessionPage>("GET", "/api/sessions?limit=50");
      this.sessions = [...page.sessions].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    } catch {
      this.status.textContent = "Conversations could not be loaded.";
      return;
    }
    this.render();
    await this.loadTitles();
    this.render();
  }

  private async loadTitles(): Promise<void> {
    const missing = this.sessions.filter((session) => !this.titles.has(session.id)).map((session) => session.id);
    const worker = async () => {
      for (let id = missing.shift(); id !== undefined; id = missing.shift()) {
        try {
          const session = await this.app.api.request<Session>("GET", `/api/sessions/${encodeURIComponent(id)}`);
          const first = session.messages.find((message) => message.role === "user");
          this.titles.set(id, first ? titleFrom(first.content) : "Untitled");
        } catch {
          this.titles.set(id, "Conversation");
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  private render(): void {
    replaceChildren(this.list, ...this.sessions.map((session) => this.item(session)));
    this.status.textContent = this.sessions.length
      ? ""
      : "No conversations yet. They are kept for a day after their last message.";
    this.setActive(this.active);
  }

  private item(session: SessionSummary): HTMLLIElement {
    const title = this.titles.get(session.id) ?? "…";
    const open = h(
      "button",
      { type: "button", class: "session-open" },
      h("span", { class: "session-title" }, title),
      h("span", { class: "session-meta" }, `${ago(session.updated_at)} · ${session.message_count} messages`),
    );
    open.addEventListener("click", () => this.on.open(session.id));
    const remove = h(
      "button",
      {
        type: "button",
        class: "icon-button session-delete",
        "aria-label": `Delete conversation: ${title}`,
        title: "Delete",
      },
      icon("trash"),
    );
    remove.addEventListener("click", () => void this.remove(session.id, title));
    return h("li", { class: "session-item", "data-id": session.id }, open, remove);
  }

  private async remove(id: string, title: string): Promise<void> {
    const confirmed = await confirmDialog({
      title: "Delete this conversation?",
      message: `“${title}” will be removed from the session store. Memories made from it stay; manage them under Memories.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await this.app.api.request("DELETE", `/api/sessions/${encodeURIComponent(id)}`);
    } catch (error) {
      toast(`Could not delete: ${(error as Error).message}`, "error");
      return;
    }
    this.sessions = this.sessions.filter((session) => session.id !== id);
    this.titles.delete(id);
    this.render();
    this.on.deleted(id);
    toast("Conversation deleted");
  }
}
