import { Api, ApiError } from "./api";
import type { HealthBody, ProviderInfo, ProvidersBody } from "./api-types";
import type { AppContext, View } from "./app-context";
import { h, replaceChildren } from "./dom";
import { preferences, takeKeyFromFragment, type Theme } from "./preferences";
import { icon, type IconName } from "./ui/icon";
import { ChatView } from "./views/chat-view";
import { keyForm } from "./views/key-form";
import { MemoryView } from "./views/memory-view";
import { SettingsView } from "./views/settings-view";
import { StateView } from "./views/state-view";

export type ViewName = "chat" | "memories" | "state" | "settings";

type Connection = "checking" | "ok" | "no_key" | "unauthorized" | "unreachable";

const navigation: { name: ViewName; label: string; icon: IconName }[] = [
  { name: "chat", label: "Chat", icon: "chat" },
  { name: "memories", label: "Memories", icon: "memory" },
  { name: "state", label: "State", icon: "state" },
  { name: "settings", label: "Settings", icon: "settings" },
];

export class App implements AppContext {
  readonly api: Api;
  private readonly views: Record<ViewName, View>;
  private current: ViewName = "chat";
  private connection: Connection = "checking";
  private providerList: ProviderInfo[] = [];
  private healthBody: HealthBody | undefined;
  private unreachableMessage = "";
  private readonly links = new Map<ViewName, HTMLAnchorElement>();
  private readonly banner = h("div", { class: "banner", role: "alert", hidden: true });
  private readonly gate = h("div", { class: "gate", hidden: true });
  private readonly main = h("main", { id: "main", class: "main", tabindex: -1 });
  private readonly themeButton = h("button", { type: "button", class: "icon-button", id: "theme-toggle" });
  private readonly agentLabel = h("span", { class: "brand-agent" });
  private readonly skip = h("a", { class: "skip-link", href: "#message-input" }, "Skip to the message box");

  constructor(workerUrl: string) {
    this.api = new Api({
      baseUrl: workerUrl,
      key: () => preferences.agentKey(),
      onFailure: (error) => this.failed(error),
      onSuccess: () => this.succeeded(),
    });
    this.views = {
      chat: new ChatView(this),
      memories: new MemoryView(this),
      state: new StateView(this),
      settings: new SettingsView(this),
    };
  }

  mount(root: HTMLElement): void {
    const nav = h("nav", { class: "tabs", "aria-label": "Views" });
    for (const item of navigation) {
      const link = h(
        "a",
        { href: `#${item.name}`, class: "tab", id: `tab-${item.name}` },
        icon(item.icon),
        h("span", {}, item.label),
      );
      this.links.set(item.name, link);
      nav.appendChild(link);
    }
    this.themeButton.addEventListener("click", () =>
      this.setTheme(this.effectiveTheme() === "dark" ? "light" : "dark"),
    );
    // The address's fragment names the view, so the skip link moves focus itself: to the message
    // box in the chat (past the conversation list), to the view's content elsewhere.
    const skip = this.skip;
    skip.addEventListener("click", (event) => {
      event.preventDefault();
      if (this.current === "chat" && !this.views.chat.element.hidden) (this.views.chat as ChatView).focusComposer();
      else this.main.focus();
    });
    const header = h(
      "header",
      { class: "topbar" },
      skip,
      h(
        "div",
        { class: "brand" },
        h("span", { class: "brand-mark", "aria-hidden": "true" }, "S"),
        h("span", { class: "brand-name" }, "SOS"),
        this.agentLabel,
      ),
      nav,
      this.themeButton,
    );
    for (const view of Object.values(this.views)) this.main.appendChild(view.element);
    this.main.appendChild(this.gate);
    root.replaceChildren(h("div", { class: "app" }, header, this.banner, this.main));
    this.setTheme(preferences.theme());
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.setTheme(preferences.theme()));
    addEventListener("hashchange", () => {
      // A `#key=` link opened in a tab where the app already runs.
      if (takeKeyFromFragment()) void this.setKey(preferences.agentKey());
      this.route();
    });
    this.route();
    void this.connect();
  }

  providers(): ProviderInfo[] {
    return this.providerList;
  }

  health(): HealthBody | undefined {
    return this.healthBody;
  }

  async setKey(key: string | undefined): Promise<void> {
    preferences.setAgentKey(key);
    for (const view of Object.values(this.views)) view.reset();
    await this.connect();
  }

  dataErased(): void {
    for (const view of Object.values(this.views)) view.reset();
  }

  setTheme(theme: Theme): void {
    preferences.setTheme(theme);
    if (theme === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    const next = this.effectiveTheme() === "dark" ? "light" : "dark";
    this.themeButton.setAttribute("aria-label", `Switch to ${next} theme`);
    this.themeButton.title = `Switch to ${next} theme`;
    replaceChildren(this.themeButton, icon(next === "dark" ? "moon" : "sun"));
    document.dispatchEvent(new CustomEvent("sos:theme"));
  }

  private effectiveTheme(): "light" | "dark" {
    const chosen = preferences.theme();
    if (chosen !== "system") return chosen;
    return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  /** Checks the key and the worker: GET /api/providers needs both, and tells the chat what it may pick. */
  private async connect(): Promise<void> {
    if (!preferences.agentKey()) return this.setConnection("no_key");
    this.setConnection("checking");
    try {
      const [providers, health] = await Promise.all([
        this.api.request<ProvidersBody>("GET", "/api/providers"),
        fetch(`${this.api.baseUrl}/api/health`, { cache: "no-store", credentials: "omit" })
          .then((response) => (response.ok ? (response.json() as Promise<HealthBody>) : undefined))
          .catch(() => undefined),
      ]);
      this.providerList = providers.providers;
      this.healthBody = health;
      this.agentLabel.textContent = health?.agent_id ?? "";
      this.setConnection("ok");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }

  private failed(error: ApiError): void {
    if (error.kind === "no_key") this.setConnection("no_key");
    else if (error.kind === "unauthorized") this.setConnection("unauthorized");
    else if (error.kind === "unreachable") {
      this.unreachableMessage = error.message;
      this.setConnection("unreachable");
    }
  }

  private succeeded(): void {
    if (this.connection === "unreachable") this.setConnection("ok");
  }

  private setConnection(connection: Connection): void {
    const before = this.connection;
    this.connection = connection;
    document.documentElement.dataset.connection = connection;
    const gated = connection === "no_key" || connection === "unauthorized";
    this.gate.hidden = !gated;
    for (const [name, view] of Object.entries(this.views)) view.element.hidden = gated || name !== this.current;
    if (gated) this.renderGate(connection);

    this.banner.hidden = connection !== "unreachable";
    if (connection === "unreachable") {
      const retry = h("button", { type: "button", class: "button small" }, "Try again");
      retry.addEventListener(
        "click",
        () => void this.connect().then(() => this.connection === "ok" && this.views[this.current].show()),
      );
      replaceChildren(this.banner, h("span", { id: "unreachable-message" }, this.unreachableMessage), retry);
    }
    if (connection === "ok" && before !== "ok" && before !== "unreachable") this.views[this.current].show();
  }

  private renderGate(connection: "no_key" | "unauthorized"): void {
    const refused = connection === "unauthorized";
    replaceChildren(
      this.gate,
      h(
        "section",
        { class: "card gate-card", "aria-labelledby": "gate-title" },
        h("h1", { id: "gate-title" }, refused ? "The agent key was refused" : "Connect to your agent"),
        refused
          ? h(
              "p",
              { class: "error-text", id: "gate-error", role: "alert" },
              "The worker answered 401: this key is not the agent key it was deployed with. Enter the right one.",
            )
          : h(
              "p",
              {},
              "Enter the agent key of your SOS worker. ",
              h("code", {}, "npm start"),
              " prints it; deployed, it is the stack's secret ",
              h("code", {}, "agentKey"),
              " output.",
            ),
        keyForm(this, { id: "gate-key", autofocus: true }),
        h(
          "p",
          { class: "muted small" },
          "The key is kept in this browser only and sent only to ",
          h("code", {}, this.api.describe()),
          ".",
        ),
      ),
    );
  }

  private route(): void {
    const requested = location.hash.replace(/^#/, "");
    const name = navigation.some((item) => item.name === requested) ? (requested as ViewName) : "chat";
    this.current = name;
    for (const [viewName, link] of this.links) {
      if (viewName === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const gated = this.connection === "no_key" || this.connection === "unauthorized";
    for (const [viewName, view] of Object.entries(this.views)) view.element.hidden = gated || viewName !== name;
    document.title = `${navigation.find((item) => item.name === name)!.label} · SOS`;
    this.skip.textContent = name === "chat" ? "Skip to the message box" : "Skip to content";
    this.skip.setAttribute("href", name === "chat" ? "#message-input" : "#main");
    if (this.connection === "ok" || this.connection === "unreachable") this.views[name].show();
  }
}
