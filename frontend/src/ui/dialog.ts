import { h } from "../dom";

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
  /** Words the person must type before the confirm button works (for irreversible actions). */
  requireText?: string;
}

/** A modal confirmation (native <dialog>: focus is trapped, Escape cancels). Resolves true when confirmed. */
export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const confirm = h(
      "button",
      { type: "submit", class: options.danger ? "button danger" : "button primary", value: "confirm" },
      options.confirmLabel,
    );
    const cancel = h("button", { type: "button", class: "button", value: "cancel" }, "Cancel");
    const typed = options.requireText
      ? h("input", {
          type: "text",
          class: "input",
          id: "confirm-text",
          autocomplete: "off",
          spellcheck: "false",
          "aria-describedby": "confirm-help",
        })
      : undefined;
    const form = h(
      "form",
      { method: "dialog", class: "dialog-form" },
      h("h2", { id: "dialog-title" }, options.title),
      h("p", { id: "dialog-message" }, options.message),
      typed &&
        h(
          "div",
          { class: "field" },
          h(
            "label",
            { for: "confirm-text", id: "confirm-help" },
            "Type ",
            h("strong", {}, options.requireText),
            " to confirm",
          ),
          typed,
        ),
      h("div", { class: "dialog-actions" }, cancel, confirm),
    );
    const dialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": "dialog-title", "aria-describedby": "dialog-message" },
      form,
    );
    const update = () => (confirm.disabled = typed !== undefined && typed.value.trim() !== options.requireText);
    typed?.addEventListener("input", update);
    update();

    let confirmed = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (confirm.disabled) return;
      confirmed = true;
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(confirmed);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    (typed ?? cancel).focus();
  });
}
