import type { AppContext } from "../app-context";
import { h } from "../dom";
import { preferences } from "../preferences";

/** The agent key field with show/hide and a connect button; used by the no-key screen and Settings. */
export function keyForm(app: AppContext, options: { id: string; autofocus?: boolean }): HTMLFormElement {
  const input = h("input", {
    type: "password",
    id: options.id,
    class: "input mono",
    name: "agent-key",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "agent key",
    required: true,
    value: preferences.agentKey() ?? "",
  });
  const reveal = h(
    "button",
    { type: "button", class: "button", "aria-pressed": "false", "aria-controls": options.id },
    "Show",
  );
  reveal.addEventListener("click", () => {
    const shown = input.type === "text";
    input.type = shown ? "password" : "text";
    reveal.textContent = shown ? "Show" : "Hide";
    reveal.setAttribute("aria-pressed", String(!shown));
  });
  const submit = h("button", { type: "submit", class: "button primary" }, "Connect");
  const form = h(
    "form",
    { class: "key-form" },
    h("label", { for: options.id }, "Agent key"),
    h("div", { class: "input-row" }, input, reveal, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return input.focus();
    submit.disabled = true;
    void app.setKey(key).finally(() => (submit.disabled = false));
  });
  if (options.autofocus) queueMicrotask(() => input.focus());
  return form;
}
