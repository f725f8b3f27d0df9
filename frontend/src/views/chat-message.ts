import type { ConversationMessage } from "../api-types";
import { h, replaceChildren } from "../dom";
import { renderMarkdown } from "../markdown";
import { icon } from "../ui/icon";
import { toast } from "../ui/toast";

/**
 * How a message stands on screen: being written, whole, stopped by the person, failed before any
 * word, or cut off part-way (interrupted). The worker's `complete` and `failed` show as done and error.
 */
export type MessageStatus = "streaming" | "done" | "stopped" | "error" | "interrupted";

export function statusOf(stored: ConversationMessage["status"]): MessageStatus {
  if (stored === "complete") return "done";
  if (stored === "failed") return "error";
  return stored;
}

/** What a message offers; each present action gets its button. */
export interface MessageActions {
  /** Another answer to the question (on every answer); `retry` labels it for an unfinished one. */
  regenerate?: () => void;
  /** The question, edited and sent again (a new version beside it). */
  edit?: (text: string) => void;
  /** Its versions: "2 of 3", with the previous and next ones. */
  versions?: { index: number; count: number; show: (offset: -1 | 1) => void };
}

/**
 * One message of the conversation. The person's words are shown as typed (text, line breaks kept);
 * the agent's as Markdown rendered to DOM, re-rendered at most once a frame while it streams.
 */
export class ChatMessage {
  readonly element: HTMLElement;
  /** The stored message's id, once the worker has said it. */
  id: string | undefined;
  private readonly body = h("div", { class: "message-body" });
  private readonly meta = h("div", { class: "message-meta" });
  private readonly notice = h("div", { class: "message-notice", hidden: true });
  private readonly actions = h("div", { class: "message-actions" });
  private content = "";
  private frame: number | undefined;
  private editing = false;

  constructor(
    readonly role: "user" | "assistant",
    content = "",
    private status: MessageStatus = "done",
    id?: string,
  ) {
    this.id = id;
    this.element = h(
      "article",
      { class: `message message-${role}`, "data-role": role, "aria-label": role === "user" ? "You" : "Agent" },
      h("div", { class: "message-role", "aria-hidden": "true" }, role === "user" ? "You" : "Agent"),
      this.body,
      this.notice,
      this.meta,
      this.actions,
    );
    if (id) this.element.dataset.id = id;
    this.content = content;
    this.render();
    this.setStatus(status);
  }

  get text(): string {
    return this.content;
  }

  get state(): MessageStatus {
    return this.status;
  }

  setId(id: string): void {
    this.id = id;
    this.element.dataset.id = id;
  }

  append(token: string): void {
    this.content += token;
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
    });
  }

  setStatus(status: MessageStatus, notice?: string): void {
    this.status = status;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.render();
    this.element.dataset.status = status;
    this.element.setAttribute("aria-busy", String(status === "streaming"));
    this.notice.hidden = notice === undefined;
    const alarming = status === "error" || status === "interrupted";
    this.notice.className = `message-notice ${alarming ? "error-text" : "muted"}`;
    this.notice.setAttribute("role", alarming ? "alert" : "status");
    this.notice.textContent = notice ?? "";
  }

  setMeta(text: string): void {
    this.meta.textContent = text;
  }

  /** Copy always (with a confirmation), and whatever else the conversation allows here. */
  setActions(options: MessageActions): void {
    const buttons: HTMLElement[] = [];
    if (this.content) buttons.push(this.copyButton());
    if (options.edit) {
      const edit = actionButton("edit", "Edit message", "Edit");
      edit.addEventListener("click", () => this.startEditing(options.edit!));
      buttons.push(edit);
    }
    if (options.regenerate) {
      const unfinished = this.status === "error" || this.status === "interrupted" || this.status === "stopped";
      const retry = unfinished
        ? h(
            "button",
            { type: "button", class: "button small retry", "aria-label": "Retry the last message" },
            icon("retry"),
            "Retry",
          )
        : actionButton("retry", "Regenerate answer", "Regenerate");
      retry.addEventListener("click", options.regenerate);
      buttons.push(retry);
    }
    if (options.versions && options.versions.count > 1) {
      const { index, count, show } = options.versions;
      const previous = actionButton("left", "Previous version", "Previous version");
      const next = actionButton("right", "Next version", "Next version");
      previous.disabled = index <= 1;
      next.disabled = index >= count;
      previous.addEventListener("click", () => show(-1));
      next.addEventListener("click", () => show(1));
      buttons.push(
        h(
          "div",
          { class: "versions", role: "group", "aria-label": "Versions" },
          previous,
          h("span", { class: "version-count" }, `${index} / ${count}`),
          next,
        ),
      );
    }
    replaceChildren(this.actions, ...buttons);
  }

  private copyButton(): HTMLButtonElement {
    const copy = actionButton("copy", "Copy message", "Copy");
    copy.addEventListener("click", () => {
      const done = (ok: boolean) => {
        replaceChildren(copy, icon(ok ? "check" : "copy"));
        copy.setAttribute("aria-label", ok ? "Copied" : "Copy failed");
        copy.dataset.copied = String(ok);
        toast(ok ? "Copied to the clipboard" : "Could not copy: the browser refused", ok ? "info" : "error");
        setTimeout(() => {
          replaceChildren(copy, icon("copy"));
          copy.setAttribute("aria-label", "Copy message");
          delete copy.dataset.copied;
        }, 2000);
      };
      const writing = navigator.clipboard?.writeText(this.content);
      if (!writing) return done(false);
      writing.then(
        () => done(true),
        () => done(false),
      );
    });
    return copy;
  }

  /** The question in a text box, sent again as a new version on Save; Escape or Cancel leaves it as it was. */
  private startEditing(send: (text: string) => void): void {
    if (this.editing) return;
    this.editing = true;
    const field = h("textarea", {
      class: "input edit-input",
      rows: Math.min(8, this.content.split("\n").length + 1),
      "aria-label": "Edit your message",
      value: this.content,
    });
    const save = h("button", { type: "submit", class: "button primary small" }, "Save and send");
    const cancel = h("button", { type: "button", class: "button small" }, "Cancel");
    const form = h("form", { class: "edit-form" }, field, h("div", { class: "edit-actions" }, cancel, save));
    const stop = () => {
      this.editing = false;
      form.replaceWith(this.body);
      this.actions.hidden = false;
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text) return field.focus();
      stop();
      if (text !== this.content) send(text);
    });
    cancel.addEventListener("click", stop);
    field.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        stop();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    this.body.replaceWith(form);
    this.actions.hidden = true;
    field.focus();
  }

  private render(): void {
    if (this.role === "user") {
      replaceChildren(this.body, h("p", { class: "plain" }, this.content));
    } else if (this.content === "" && this.status === "streaming") {
      replaceChildren(
        this.body,
        h("span", { class: "typing", "aria-label": "The agent is answering" }, h("span"), h("span"), h("span")),
      );
    } else {
      replaceChildren(this.body, renderMarkdown(this.content));
      if (this.status !== "streaming") return;
      const last = this.body.lastElementChild;
      (last?.tagName === "P" ? last : this.body).appendChild(h("span", { class: "caret", "aria-hidden": "true" }));
    }
  }
}

function actionButton(name: "copy" | "edit" | "retry" | "left" | "right", label: string, title: string) {
  return h("button", { type: "button", class: "icon-button", "aria-label": label, title }, icon(name));
}
