import type { ProviderInfo } from "../api-types";
import { h, replaceChildren } from "../dom";
import { preferences } from "../preferences";
import { promptDialog } from "../ui/dialog";

export interface ModelChoice {
  provider: string;
  model: string;
}

const otherValue = "__other__";
const separator = "\u0000";

/**
 * The one model picker, in the chat header: each configured provider's models (its default first,
 * then the others the worker offers, then any the person typed), grouped by provider. "Other
 * model…" asks for a name and keeps it in this browser. The choice is the conversation's own.
 */
export class ModelPicker {
  readonly element: HTMLSelectElement;
  private providers: ProviderInfo[] = [];
  private current: ModelChoice | undefined;

  constructor(private readonly changed: (choice: ModelChoice) => void) {
    this.element = h("select", { id: "chat-model", class: "select compact", "aria-label": "Model" });
    this.element.addEventListener("change", () => void this.picked());
  }

  /** The configured providers, from GET /api/providers. */
  fill(providers: ProviderInfo[]): void {
    this.providers = providers.filter((provider) => provider.configured);
    this.render();
  }

  get value(): ModelChoice | undefined {
    return this.current;
  }

  /** Shows a choice (a conversation's, or the one remembered for new chats), or the worker's default. */
  set(choice: ModelChoice | undefined): void {
    const usable = choice && this.providers.some((provider) => provider.name === choice.provider);
    this.current = usable ? choice : this.fallback();
    this.render();
  }

  private fallback(): ModelChoice | undefined {
    const first = this.providers[0];
    return first ? { provider: first.name, model: first.defaultModel } : undefined;
  }

  private render(): void {
    const typed = preferences.typedModels();
    const groups = this.providers.map((provider) => {
      const models = [...new Set([...(provider.models ?? [provider.defaultModel]), ...(typed[provider.name] ?? [])])];
      if (this.current?.provider === provider.name && !models.includes(this.current.model)) {
        models.push(this.current.model);
      }
      return h(
        "optgroup",
        { label: provider.name },
        ...models.map((model) =>
          h(
            "option",
            { value: `${provider.name}${separator}${model}` },
            model === provider.defaultModel ? `${model} (default)` : model,
          ),
        ),
      );
    });
    replaceChildren(
      this.element,
      ...groups,
      this.providers.length
        ? h("option", { value: otherValue }, "Other model…")
        : h("option", { value: "" }, "No model"),
    );
    this.element.disabled = this.providers.length === 0;
    this.element.value = this.current ? `${this.current.provider}${separator}${this.current.model}` : "";
    this.element.title = this.current ? `${this.current.provider} · ${this.current.model}` : "";
  }

  private async picked(): Promise<void> {
    if (this.element.value === otherValue) {
      const typed = await promptDialog({
        title: "Use another model",
        fields: [
          {
            id: "other-model-provider",
            label: "Provider",
            options: this.providers.map((provider) => provider.name),
            value: this.current?.provider ?? this.providers[0]?.name ?? "",
          },
          { id: "other-model-name", label: "Model name", placeholder: "as the provider names it" },
        ],
        confirmLabel: "Use this model",
      });
      const provider = typed?.["other-model-provider"]?.trim();
      const model = typed?.["other-model-name"]?.trim();
      if (!provider || !model) return this.render();
      preferences.addTypedModel(provider, model);
      this.choose({ provider, model });
      return;
    }
    const [provider = "", model = ""] = this.element.value.split(separator);
    if (provider && model) this.choose({ provider, model });
  }

  private choose(choice: ModelChoice): void {
    this.current = choice;
    preferences.setProvider(choice.provider);
    preferences.setModel(choice.model);
    this.render();
    this.changed(choice);
  }
}
