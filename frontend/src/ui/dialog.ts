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

export interface PromptField {
  id: string;
  label: string;
  value?: string;
  placeholder?: string;
  /** A choice among these instead of free text. */
  options?: string[];
}

/**
 * A modal form of a few fields (native <dialog>: focus is trapped, Escape cancels). Resolves with
 * each field's value by id, or undefined when cancelled.
 */
export function promptDialog(options: {
  title: string;
  fields: PromptField[];
  confirmLabel: string;
}): Promise<Record<string, string> | undefined> {
  return new Promise((resolve) => {
    const controls = options.fields.map((field) =>
      field.options
        ? h(
            "select",
            { id: field.id, class: "select" },
            ...field.options.map((option) => h("option", { value: option }, option)),
          )
        : h("input", {
            id: field.id,
            class: "input",
            autocomplete: "off",
            spellcheck: "false",
            required: true,
            ...(field.placeholder && { placeholder: field.placeholder }),
          }),
    );
    options.fields.forEach((field, index) => {
      if (field.value !== undefined) controls[index]!.value = field.value;
    });
    const confirm = h("button", { type: "submit", class: "button primary" }, options.confirmLabel);
    const cancel = h("button", { type: "button", class: "button" }, "Cancel");
    const form = h(
      "form",
      { method: "dialog", class: "dialog-form" },
      h("h2", { id: "prompt-title" }, options.title),
      ...options.fields.map((field, index) =>
        h("div", { class: "field" }, h("label", { for: field.id }, field.label), controls[index]),
      ),
      h("div", { class: "dialog-actions" }, cancel, confirm),
    );
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "prompt-title" }, form);
    let result: Record<string, string> | undefined;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      result = Object.fromEntries(options.fields.map((field, index) => [field.id, controls[index]!.value]));
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    (controls.find((control) => control.tagName === "INPUT") ?? controls[0])?.focus();
  });
}
