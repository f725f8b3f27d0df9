import type { ConversationDetail, ConversationMessage } from "../api-types";
import type { AppContext, View } from "../app-context";
import { streamChat, type ChatRequest } from "../chat-stream";
import { h, replaceChildren } from "../dom";
import { newSessionId, titleFrom } from "../ui/format";
import { icon } from "../ui/icon";
import { toast } from "../ui/toast";
import { ChatDrawer } from "./chat-drawer";
import { ChatMessage, statusOf } from "./chat-message";
import {
  describeAnswer,
  describeStored,
  failureText,
  interruptedNotice,
  noticeOf,
  rememberedChoice,
} from "./chat-notices";
import { ModelPicker, type ModelChoice } from "./model-picker";
import { SessionList } from "./session-list";

/** What a turn asks the worker: a new message, an edited one, or another answer to a stored one. */
type TurnRequest = { message: string } | { edit: string; message: string } | { reply_to: string };

/**
 * The conversation: the list, the messages (the path the worker shows, each message with its
 * versions), the model picker, and the composer (Enter sends, Shift+Enter breaks the line). After
 * each answer the conversation is read back from the worker, so the screen shows what is stored.
 */
export class ChatView implements View {
  readonly element: HTMLElement;
  private readonly sessions: SessionList;
  private readonly picker: ModelPicker;
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
  private readonly title = h("h1", { class: "chat-title", id: "chat-title" }, "New chat");
  private readonly badge = h("span", { class: "chat-badge", id: "chat-badge", hidden: true });
  private readonly remember = h("input", { type: "checkbox", id: "remember-chat", checked: true });
  private readonly temporary = h("input", { type: "checkbox", id: "temporary-chat" });
  private readonly temporaryOption: HTMLElement;
  private readonly drawer = new ChatDrawer();
  private readonly main: HTMLElement;
  private messages: ChatMessage[] = [];
  /** The stored messages behind `messages`, when the conversation was read from the worker. */
  private stored: ConversationMessage[] = [];
  private sessionId = newSessionId();
  /** True once the conversation has a stored message (the worker knows it). */
  private started = false;
  private controller: AbortController | undefined;
  /** False once the reader scrolls up to read earlier messages; true again at the end. */
  private following = true;

  constructor(private readonly app: AppContext) {
    this.sessions = new SessionList(
      app,
      {
        open: (id) => void this.open(id),
        newChat: () => this.newChat(),
        deleted: (id) => id === this.sessionId && this.newChat(),
        renamed: (id, title) => id === this.sessionId && (this.title.textContent = title),
      },
      this.drawer.closeButton,
    );
    this.picker = new ModelPicker((choice) => void this.modelChanged(choice));
    this.temporaryOption = h(
      "label",
      { class: "composer-option", for: "temporary-chat" },
      this.temporary,
      "Temporary chat",
    );
    this.temporary.addEventListener("change", () => {
      this.remember.checked = !this.temporary.checked;
      this.updateOptions();
    });
    this.remember.addEventListener("change", () => void this.rememberChanged());
    const composer = h(
      "form",
      { class: "composer", "aria-label": "Send a message" },
      h("div", { class: "composer-box" }, this.input, this.sendButton),
      h(
        "div",
        { class: "composer-options" },
        h("label", { class: "composer-option", for: "remember-chat" }, this.remember, "Remember this chat"),
        this.temporaryOption,
        h(
          "span",
          { class: "composer-hint", id: "composer-hint" },
          "Enter to send, Shift+Enter for a new line, Esc to stop.",
        ),
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
    this.main = h(
      "div",
      { class: "chat-main" },
      h(
        "div",
        { class: "chat-header" },
        this.drawer.toggle,
        h("div", { class: "chat-heading" }, this.title, this.badge),
        this.picker.element,
      ),
      this.log,
      composer,
    );
    this.element = h(
      "section",
      { class: "view chat-view", id: "view-chat", "aria-labelledby": "chat-title" },
      this.sessions.element,
      this.main,
    );
    // On a phone the list is a drawer over the conversation.
    this.drawer.attach(this.element, this.sessions.element, this.main);
    this.setBusy(false);
    this.renderEmpty();
    this.updateOptions();
  }

  show(): void {
    this.picker.fill(this.app.providers());
    if (!this.started) this.picker.set(rememberedChoice());
    void this.sessions.refresh();
    if (matchMedia("(min-width: 800px)").matches) this.input.focus();
  }

  reset(): void {
    this.sessions.reset();
    this.newChat();
  }

  /** The message box, for the skip link. */
  focusComposer(): void {
    this.input.focus();
  }

  newChat(): void {
    this.stop();
    this.sessionId = newSessionId();
    this.messages = [];
    this.stored = [];
    this.started = false;
    this.title.textContent = "New chat";
    this.remember.checked = true;
    this.temporary.checked = false;
    this.picker.set(rememberedChoice());
    this.sessions.setActive(undefined);
    this.updateOptions();
    this.renderEmpty();
    this.drawer.set(false);
    this.input.focus();
  }

  private async open(id: string): Promise<void> {
    this.stop();
    let detail: ConversationDetail;
    try {
      detail = await this.app.api.request<ConversationDetail>("GET", `/api/conversations/${encodeURIComponent(id)}`);
    } catch (error) {
      toast(`Could not open the conversation: ${(error as Error).message}`, "error");
      return;
    }
    this.sessionId = id;
    this.display(detail);
    this.drawer.set(false);
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Shows a conversation as the worker stored it. */
  private display(detail: ConversationDetail): void {
    this.started = detail.messages.length > 0;
    this.stored = detail.messages;
    this.title.textContent = detail.title;
    this.remember.checked = detail.remember && !detail.temporary;
    this.temporary.checked = detail.temporary;
    this.picker.set(detail.provider && detail.model ? { provider: detail.provider, model: detail.model } : undefined);
    this.messages = detail.messages.map((message) => {
      const view = new ChatMessage(message.role, message.content, statusOf(message.status), message.id);
      const notice = noticeOf(message);
      if (notice !== undefined || view.state !== "done") view.setStatus(view.state, notice);
      if (message.role === "assistant") view.setMeta(describeStored(message));
      return view;
    });
    replaceChildren(this.log, ...this.messages.map((message) => message.element));
    if (!this.messages.length) this.renderEmpty();
    this.updateOptions();
    this.updateActions();
    this.sessions.setActive(detail.temporary ? undefined : detail.id);
  }

  private submit(): void {
    const message = this.input.value.trim();
    if (!message) return;
    this.input.value = "";
    this.autosize();
    void this.turn({ message });
  }

  /**
   * One exchange. The screen first shows what the worker will store: a new message after the
   * last one, an edited one in place of the old version (what followed it leaves the screen, and
   * stays on its branch), or a new answer to a question (what followed that answer leaves too).
   */
  private async turn(request: TurnRequest, at?: number): Promise<void> {
    if (this.controller) return;
    if (at !== undefined) {
      const keep = "reply_to" in request ? at + 1 : at;
      for (const message of this.messages.splice(keep)) message.element.remove();
      this.stored = this.stored.slice(0, keep);
    }
    if (!this.messages.length) this.log.replaceChildren();
    const question = "message" in request ? this.add(new ChatMessage("user", request.message)) : undefined;
    if (!this.started && "message" in request) this.title.textContent = titleFrom(request.message);
    const answer = this.add(new ChatMessage("assistant", "", "streaming"));
    const controller = new AbortController();
    this.controller = controller;
    this.setBusy(true);
    this.updateActions();
    const first = !this.started;
    this.started = true;
    this.updateOptions();
    let settled = false;
    try {
      await streamChat(this.app.api, this.requestOf(request, first), controller.signal, {
        start: (ids) => {
          question?.setId(ids.user_message_id);
          answer.setId(ids.message_id);
        },
        token: (text) => this.keepPinned(() => answer.append(text)),
        done: (result) =>
          this.keepPinned(() => {
            settled = true;
            answer.setStatus("done");
            answer.setMeta(describeAnswer(result));
          }),
        error: (failure) =>
          this.keepPinned(() => {
            settled = true;
            if (failure.partial) answer.setStatus("interrupted", interruptedNotice(failure.message));
            else answer.setStatus("error", failure.message);
          }),
      });
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
    }
    // The worker has written the answer's end: read the conversation back (ids, versions, statuses).
    // A stopped answer is written as the worker notices the client left; the screen keeps it meanwhile.
    if (settled && !this.controller) await this.reload();
    void this.sessions
      .refresh()
      .then(() => this.sessions.setActive(this.temporary.checked ? undefined : this.sessionId));
    if (first) setTimeout(() => void this.sessions.refresh(), 4000);
  }

  private requestOf(request: TurnRequest, first: boolean): ChatRequest {
    const model = this.picker.value;
    return {
      ...request,
      session_id: this.sessionId,
      ...(model && { provider: model.provider, model: model.model }),
      ...(first && { temporary: this.temporary.checked, remember: this.remember.checked && !this.temporary.checked }),
    };
  }

  private async reload(): Promise<void> {
    const id = this.sessionId;
    try {
      const detail = await this.app.api.request<ConversationDetail>(
        "GET",
        `/api/conversations/${encodeURIComponent(id)}`,
      );
      if (id !== this.sessionId || this.controller) return;
      this.keepPinned(() => this.display(detail));
    } catch {
      // The screen keeps what it showed; the next open reads it again.
    }
  }

  /** Another version of a message: the path through it, down its newest replies. */
  private async showVersion(message: ConversationMessage, offset: -1 | 1): Promise<void> {
    const target = message.versions.ids[message.versions.index - 1 + offset];
    if (!target || this.controller) return;
    try {
      const detail = await this.app.api.request<ConversationDetail>(
        "PATCH",
        `/api/conversations/${encodeURIComponent(this.sessionId)}`,
        { branch: target },
      );
      this.display(detail);
      this.messages
        .find((item) => item.id === target)
        ?.element.querySelector<HTMLButtonElement>(
          `.versions button[aria-label="${offset < 0 ? "Previous" : "Next"} version"]`,
        )
        ?.focus();
    } catch (error) {
      toast(`Could not show that version: ${(error as Error).message}`, "error");
    }
  }

  private stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.setBusy(false);
  }

  private async modelChanged(choice: ModelChoice): Promise<void> {
    if (!this.started || this.temporary.checked) return;
    await this.patch({ provider: choice.provider, model: choice.model });
  }

  private async rememberChanged(): Promise<void> {
    if (!this.started) return;
    if (await this.patch({ remember: this.remember.checked })) {
      toast(this.remember.checked ? "This chat will be remembered" : "Nothing more of this chat will be remembered");
    }
  }

  private async patch(changes: Record<string, unknown>): Promise<boolean> {
    try {
      await this.app.api.request("PATCH", `/api/conversations/${encodeURIComponent(this.sessionId)}`, changes);
      return true;
    } catch (error) {
      toast(`Could not change the conversation: ${(error as Error).message}`, "error");
      return false;
    }
  }

  private add(message: ChatMessage): ChatMessage {
    this.messages.push(message);
    this.log.appendChild(message.element);
    this.following = true;
    this.log.scrollTop = this.log.scrollHeight;
    return message;
  }

  /**
   * Copy on every message; regenerate (or retry) on every answer, edit on every question, and the
   * versions of each where there are several. Nothing that starts a turn while one runs.
   */
  private updateActions(): void {
    const idle = !this.controller;
    this.messages.forEach((message, index) => {
      const stored = this.stored[index]?.id === message.id ? this.stored[index] : undefined;
      const question = message.role === "user" ? message : this.messages[index - 1];
      message.setActions({
        ...(idle &&
          message.role === "assistant" &&
          question?.id && { regenerate: () => void this.turn({ reply_to: question.id! }, index - 1) }),
        ...(idle &&
          message.role === "user" &&
          message.id && { edit: (text: string) => void this.turn({ edit: message.id!, message: text }, index) }),
        ...(idle &&
          stored && { versions: { ...stored.versions, show: (offset) => void this.showVersion(stored, offset) } }),
      });
    });
  }

  private updateOptions(): void {
    // Temporary is chosen before the first message; remembering can change at any time.
    this.temporaryOption.hidden = this.started;
    this.remember.disabled = this.temporary.checked;
    this.badge.hidden = !this.temporary.checked;
    this.badge.textContent = this.temporary.checked ? "Temporary: not saved, nothing remembered" : "";
    this.element.dataset.temporary = String(this.temporary.checked);
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
          "Conversations are kept in your own Cloudflare account until you delete them, and each exchange is " +
            "remembered as a memory unless you turn that off. Browse them under Memories.",
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
}
