/**
 * What the app keeps in this browser (localStorage) and nowhere else: the agent key, the model last
 * picked (for new chats; each conversation keeps its own on the worker), the models the person
 * typed, and the theme. Conversations and memories are always read from the worker.
 */
const keys = {
  agentKey: "sos.agentKey",
  provider: "sos.provider",
  model: "sos.model",
  typedModels: "sos.typedModels",
  theme: "sos.theme",
} as const;

export type Theme = "system" | "light" | "dark";

function read(name: string): string | undefined {
  try {
    return localStorage.getItem(name) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(name: string, value: string | undefined): void {
  try {
    if (value === undefined || value === "") localStorage.removeItem(name);
    else localStorage.setItem(name, value);
  } catch {
    // Storage disabled: the value lasts until the page closes.
  }
}

export const preferences = {
  agentKey: () => read(keys.agentKey),
  setAgentKey: (key: string | undefined) => write(keys.agentKey, key?.trim()),
  provider: () => read(keys.provider),
  setProvider: (provider: string | undefined) => write(keys.provider, provider),
  model: () => read(keys.model),
  setModel: (model: string | undefined) => write(keys.model, model?.trim()),
  /** Models typed by the person, per provider, shown in the picker after the provider's own. */
  typedModels: (): Record<string, string[]> => {
    try {
      const parsed: unknown = JSON.parse(read(keys.typedModels) ?? "{}");
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed).map(([provider, models]) => [
          provider,
          Array.isArray(models) ? models.filter((model): model is string => typeof model === "string") : [],
        ]),
      );
    } catch {
      return {};
    }
  },
  addTypedModel: (provider: string, model: string) => {
    const all = preferences.typedModels();
    all[provider] = [...new Set([...(all[provider] ?? []), model.trim()])].slice(-20);
    write(keys.typedModels, JSON.stringify(all));
  },
  theme: (): Theme => {
    const theme = read(keys.theme);
    return theme === "light" || theme === "dark" ? theme : "system";
  },
  setTheme: (theme: Theme) => write(keys.theme, theme === "system" ? undefined : theme),
};

/**
 * Takes `#key=...` from the address (what `npm start` prints), keeps it, and removes it from the
 * address bar and history. A fragment is never sent to a server; this keeps it off the screen too.
 */
export function takeKeyFromFragment(): boolean {
  // Not URLSearchParams: it would read a `+` in a key as a space.
  const match = /^#(?:.*&)?key=([^&]*)/.exec(location.hash);
  if (!match) return false;
  let key: string;
  try {
    key = decodeURIComponent(match[1]!).trim();
  } catch {
    key = match[1]!.trim();
  }
  history.replaceState(history.state, "", `${location.pathname}${location.search}`);
  if (!key) return false;
  preferences.setAgentKey(key);
  return true;
}
