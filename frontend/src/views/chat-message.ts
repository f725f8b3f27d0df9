import { h, icon, replaceChildren } from "../dom";
import { renderMarkdown } from "../markdown";

export type MessageStatus = "streaming" | "done" | "stopped" | "error";

/**
 * One message of the conversation. The person's words are shown as typed (text, line breaks kept);
 * the agent's as Markdown rendered to DOM, re-rendered at most once a frame while it streams.
 */
export class ChatMessage {
  readonly element: HTMLElement;
  private readonly body = h("div", { class: "message-body" });
  private readonly meta = h("div", { class: "message-meta" });
  private readonly notice = h("div", { class: "message-notice", hidden: true });
  private readonly actions = h("div", { class: "message-actions" });
  private content = "";
  private frame: number | undefined;

  constructor(
    readonly role: "user" | "assistant",
    content = "",
    private status: MessageStatus = "done",
  ) {
    this.element = h(
      "article",
      { class: `message message-${role}`, "data-role": role, "aria-label": role === "user" ? "You" : "Agent" },
      h("div", { class: "message-role", "aria-hidden": "true" }, role === "user" ? "You" : "Agent"),
      this.body,
      this.notice,
      this.meta,
      this.actions,
    );
    this.content = content;
    this.render();
    this.setStatus(status);
  }

  get text(): string {
    return this.content;
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
    this.notice.className = `message-notice ${status === "error" ? "error-text" : "muted"}`;
    this.notice.setAttribute("role", status === "error" ? "alert" : "status");
    this.notice.textContent = notice ?? "";
  }

  setMeta(text: string): void {
    this.meta.textContent = text;
  }

  /** The copy button, and retry when this is the answer to the last message. */
  setActions(options: { retry?: () => void }): void {
    const copy = h(
      "button",
      { type: "button", class: "icon-button", "aria-label": "Copy message", title: "Copy" },
      icon("copy"),
    );
    copy.addEventListener("click", () => void navigator.clipboard?.writeText(this.content));
    const retry = options.retry
      ? h(
          "button",
          { type: "button", class: "button small retry", "aria-label": "Retry the last message" },
          icon("retry"),
          "Retry",
        )
      : undefined;
    if (retry && options.retry) retry.addEventListener("click", options.retry);
    replaceChildren(this.actions, this.content ? copy : undefined, retry);
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
