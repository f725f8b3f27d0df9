import type { AppContext, View } from "../app-context";
import { h, replaceChildren } from "../dom";
import { preferences, type Theme } from "../preferences";
import { keyForm } from "./key-form";

/** The agent key, the model the chat asks for, the theme, and what the worker reports about itself. */
export class SettingsView implements View {
  readonly element: HTMLElement;
  private readonly keySection = h("div", { class: "key-slot" });
  private readonly worker = h("dl", { class: "worker-info", id: "worker-info" });

  constructor(private readonly app: AppContext) {
    const forget = h("button", { type: "button", class: "button danger-text", id: "forget-key" }, "Forget key");
    forget.addEventListener("click", () => void this.app.setKey(undefined));

    const themes = h(
      "fieldset",
      { class: "segmented" },
      h("legend", {}, "Theme"),
      ...(["system", "light", "dark"] as const).map((theme) => this.themeOption(theme)),
    );

    this.element = h(
      "section",
      { class: "view page settings-view", id: "view-settings", "aria-labelledby": "settings-title", hidden: true },
      h("div", { class: "page-header" }, h("div", {}, h("h1", { id: "settings-title" }, "Settings"))),
      h(
        "div",
        { class: "settings-grid" },
        h(
          "section",
          { class: "card", "aria-labelledby": "key-title" },
          h("h2", { id: "key-title" }, "Connection"),
          h("p", { class: "muted small" }, "Kept in this browser only (local storage) and sent only to your worker."),
          this.keySection,
          forget,
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "model-title" },
          h("h2", { id: "model-title" }, "Model"),
          h(
            "p",
            { class: "muted small" },
            "Pick the model in the chat's header: each conversation keeps the one it was last answered with, " +
              "and a new chat starts with the one you picked last. Models you type there are kept in this browser.",
          ),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "look-title" },
          h("h2", { id: "look-title" }, "Appearance"),
          themes,
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "worker-title" },
          h("h2", { id: "worker-title" }, "Worker"),
          this.worker,
        ),
      ),
    );
  }

  show(): void {
    replaceChildren(this.keySection, keyForm(this.app, { id: "settings-key" }));
    const configured = this.app.providers().filter((provider) => provider.configured);
    const health = this.app.health();
    const row = (label: string, value: string) => [h("dt", {}, label), h("dd", {}, value)];
    replaceChildren(
      this.worker,
      ...row("Address", this.app.api.describe()),
      ...row("Agent", health?.agent_id ?? "—"),
      ...row("Runtime", health?.version ?? "—"),
      ...row("Schema", health?.schema_version ?? "—"),
      ...row("Providers", configured.map((provider) => provider.name).join(", ") || "none configured"),
    );
  }

  reset(): void {
    this.keySection.replaceChildren();
  }

  private themeOption(theme: Theme): HTMLLabelElement {
    const input = h("input", { type: "radio", name: "theme", value: theme, id: `theme-${theme}` });
    input.checked = preferences.theme() === theme;
    input.addEventListener("change", () => this.app.setTheme(theme));
    document.addEventListener("sos:theme", () => (input.checked = preferences.theme() === theme));
    return h("label", { class: "segment", for: `theme-${theme}` }, input, theme[0]!.toUpperCase() + theme.slice(1));
  }
}
