import { ApiError } from "../api";
import type { ChatDone, Session } from "../api-types";
import type { AppContext, View } from "../app";
import { streamChat } from "../chat-stream";
import { h, icon, replaceChildren } from "../dom";
import { preferences } from "../preferences";
import { newSessionId, titleFrom } from "../ui/format";
import { toast } from "../ui/toast";
import { ChatMessage } from "./chat-message";
import { SessionList } from "./session-list";

/** The conversation: the session list, the messages, and the composer (Enter sends, Shift+Enter breaks the line). */
export class ChatView implements View {
  readonly element: HTMLElement;
  private readonly sessions: SessionList;
  private readonly log = h("div", {
    class: "messages",
    id: "messages",
    role: "log",
    "aria-label": "Conversation",
    "aria-live": "polite",
  });
  private readonly input = h("textarea", {
    id: "message-input",
    class: "composer-input",
    rows: 1,
    placeholder: "Message your agent",
    "aria-label": "Message",
    "aria-describedby": "composer-hint",
  });
  private readonly sendButton = h("button", { type: "submit", class: "send-button", id: "send" });
  private readonly providerSelect = h("select", {
    id: "chat-provider",
    class: "select compact",
    "aria-label": "Model provider",
  });
  private readonly title = h("h1", { class: "chat-title", id: "chat-title" }, "New chat");
  private readonly drawerToggle = h(
    "button",
    {
      type: "button",
      class: "icon-button drawer-toggle",
      "aria-label": "Conversations",
      "aria-expanded": "false",
      "aria-controls": "sidebar",
    },
    icon("menu"),
  );
  private messages: ChatMessage[] = [];
  private sessionId = newSessionId();
  private controller: AbortController | undefined;
  /** False once the reader scrolls up to read earlier messages; true again at the end. */
  private following = true;

  constructor(private readonly app: AppContext) {
    this.sessions = new SessionList(app, {
      open: (id) => void this.open(id),
      newChat: () => this.newChat(),
      deleted: (id) => id === this.sessionId && this.newChat(),
    });
    const composer = h(
      "form",
      { class: "composer", "aria-label": "Send a message" },
      h("div", { class: "composer-box" }, this.input, this.sendButton),
      h(
        "p",
        { class: "composer-hint", id: "composer-hint" },
        "Enter to send, Shift+Enter for a new line, Esc to stop.",
      ),
    );
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.controller) this.stop();
      else this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (!this.controller) this.submit();
      } else if (event.key === "Escape" && this.controller) {
        this.stop();
      }
    });
    this.input.addEventListener("input", () => this.autosize());
    // Only the reader scrolls up (the app only ever scrolls down), so that is what stops the following.
    let lastTop = 0;
    this.log.addEventListener("scroll", () => {
      const top = this.log.scrollTop;
      if (top < lastTop - 2) this.following = false;
      else if (this.log.scrollHeight - top - this.log.clientHeight < 80) this.following = true;
      lastTop = top;
    });
    this.providerSelect.addEventListener("change", () =>
      preferences.setProvider(this.providerSelect.value || undefined),
    );
    this.drawerToggle.addEventListener("click", (event) => {
      event.stopPropagation();
      this.toggleDrawer();
    });
    const main = h(
      "div",
      { class: "chat-main" },
      h("div", { class: "chat-header" }, this.drawerToggle, this.title, this.providerSelect),
      this.log,
      composer,
    );
    // On a phone the list is a drawer over the conversation: a tap beside it or Escape closes it.
    main.addEventListener("click", () => this.element.dataset.drawer === "open" && this.toggleDrawer(false));
    this.element = h(
      "section",
      { class: "view chat-view", id: "view-chat", "aria-labelledby": "chat-title" },
      this.sessions.element,
      main,
    );
    this.element.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.element.dataset.drawer === "open") {
        this.toggleDrawer(false);
        this.drawerToggle.focus();
      }
    });
    this.setBusy(false);
    this.renderEmpty();
  }

  show(): void {
    this.fillProviders();
    void this.sessions.refresh();
    if (matchMedia("(min-width: 800px)").matches) this.input.focus();
  }

  reset(): void {
    this.sessions.reset();
    this.newChat();
  }

  newChat(): void {
    this.stop();
    this.sessionId = newSessionId();
    this.messages = [];
    this.title.textContent = "New chat";
    this.sessions.setActive(undefined);
    this.renderEmpty();
    this.toggleDrawer(false);
    this.input.focus();
  }

  private async open(id: string): Promise<void> {
    this.stop();
    let session: Session;
    try {
      session = await this.app.api.request<Session>("GET", `/api/sessions/${encodeURIComponent(id)}`);
    } catch (error) {
      toast(`Could not open the conversation: ${(error as Error).message}`, "error");
      return;
    }
    this.sessionId = id;
    this.messages = session.messages
      .filter((message) => message.role !== "system")
      .map((message) => new ChatMessage(message.role as "user" | "assistant", message.content));
    const first = session.messages.find((message) => message.role === "user");
    this.title.textContent = first ? titleFrom(first.content) : "Conversation";
    replaceChildren(this.log, ...this.messages.map((message) => message.element));
    if (!this.messages.length) this.renderEmpty();
    this.updateActions();
    this.sessions.setActive(id);
    this.toggleDrawer(false);
    this.log.scrollTop = this.log.scrollHeight;
  }

  private submit(): void {
    const message = this.input.value.trim();
    if (!message) return;
    this.input.value = "";
    this.autosize();
    void this.send(message);
  }

  private retry(): void {
    if (this.controller) return;
    const lastUser = [...this.messages].reverse().find((message) => message.role === "user");
    if (!lastUser) return;
    const last = this.messages[this.messages.length - 1];
    if (last?.role === "assistant") {
      last.element.remove();
      this.messages.pop();
    }
    void this.send(lastUser.text, { resend: true });
  }

  private async send(message: string, options: { resend?: boolean } = {}): Promise<void> {
    if (!this.messages.length) {
      this.log.replaceChildren();
      this.title.textContent = titleFrom(message);
    }
    if (!options.resend) this.add(new ChatMessage("user", message));
    const answer = this.add(new ChatMessage("assistant", "", "streaming"));
    this.sessions.rememberTitle(this.sessionId, message);
    const controller = new AbortController();
    this.controller = controller;
    this.setBusy(true);
    try {
      await streamChat(
        this.app.api,
        { message, session_id: this.sessionId, ...this.modelChoice() },
        controller.signal,
        {
          token: (text) => this.keepPinned(() => answer.append(text)),
          done: (result) =>
            this.keepPinned(() => {
              answer.setStatus("done");
              answer.setMeta(describeAnswer(result));
            }),
          error: (failure) => this.keepPinned(() => answer.setStatus("error", failure.message)),
        },
      );
    } catch (error) {
      if (controller.signal.aborted) answer.setStatus("stopped", "Stopped.");
      else answer.setStatus("error", failureText(error));
    } finally {
      if (this.controller === controller) this.controller = undefined;
      // A stopped answer may settle after the next message started; that one owns the composer then.
      if (!this.controller) {
        this.keepPinned(() => {
          this.setBusy(false);
          this.updateActions();
        });
      }
      void this.sessions.refresh().then(() => this.sessions.setActive(this.sessionId));
    }
  }

  private stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.setBusy(false);
  }

  /** The provider and model picked in Settings, when the worker still has that provider. */
  private modelChoice(): { provider?: string; model?: string } {
    const provider = preferences.provider();
    const usable = provider && this.app.providers().some((item) => item.name === provider && item.configured);
    const model = preferences.model();
    return { ...(usable ? { provider } : {}), ...(model ? { model } : {}) };
  }

  private fillProviders(): void {
    const configured = this.app.providers().filter((provider) => provider.configured);
    const chosen = preferences.provider();
    replaceChildren(
      this.providerSelect,
      h("option", { value: "" }, configured.length ? `Default (${configured[0]!.name})` : "Default"),
      ...configured.map((provider) => h("option", { value: provider.name }, provider.name)),
    );
    this.providerSelect.value = configured.some((provider) => provider.name === chosen) ? chosen! : "";
  }

  private add(message: ChatMessage): ChatMessage {
    this.messages.push(message);
    this.log.appendChild(message.element);
    this.following = true;
    this.log.scrollTop = this.log.scrollHeight;
    return message;
  }

  /** Copy on every answer; retry on the last message (an unanswered one of a reopened conversation too). */
  private updateActions(): void {
    const last = this.messages[this.messages.length - 1];
    for (const message of this.messages) {
      if (message.role === "assistant" || message === last) {
        message.setActions(message === last && !this.controller ? { retry: () => this.retry() } : {});
      }
    }
  }

  private setBusy(busy: boolean): void {
    this.element.dataset.busy = String(busy);
    this.sendButton.setAttribute("aria-label", busy ? "Stop" : "Send");
    this.sendButton.title = busy ? "Stop (Esc)" : "Send (Enter)";
    this.sendButton.classList.toggle("stop", busy);
    replaceChildren(this.sendButton, icon(busy ? "stop" : "send"));
  }

  private renderEmpty(): void {
    replaceChildren(
      this.log,
      h(
        "div",
        { class: "empty-state", id: "chat-empty" },
        h("div", { class: "empty-mark", "aria-hidden": "true" }, "S"),
        h("h2", {}, "What's on your mind?"),
        h(
          "p",
          { class: "muted" },
          "Each exchange is remembered as a memory in your own Cloudflare account. Browse them under Memories.",
        ),
      ),
    );
  }

  /** Runs `change`; if the reader is following the end of the conversation, keeps showing the end. */
  private keepPinned(change: () => void): void {
    change();
    if (this.following) requestAnimationFrame(() => (this.log.scrollTop = this.log.scrollHeight));
  }

  private autosize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 240)}px`;
  }

  private toggleDrawer(open = this.element.dataset.drawer !== "open"): void {
    this.element.dataset.drawer = open ? "open" : "closed";
    this.drawerToggle.setAttribute("aria-expanded", String(open));
  }
}

function describeAnswer(result: ChatDone): string {
  const parts = [[result.provider, result.model].filter(Boolean).join(" · ")];
  if (result.usage.output_tokens) parts.push(`${result.usage.output_tokens} tokens`);
  if (result.memories.length)
    parts.push(`${result.memories.length} ${result.memories.length === 1 ? "memory" : "memories"} recalled`);
  return parts.filter(Boolean).join(" · ");
}

/** What a failed request means for the person reading the chat. */
function failureText(error: unknown): string {
  if (!(error instanceof ApiError)) return `Something went wrong: ${(error as Error).message}`;
  if (error.kind === "unauthorized") return "The worker refused the agent key (401). Enter the right key to continue.";
  // The worker's own words: "No model provider is configured. ...", "The model provider failed: ...".
  return error.message;
}
