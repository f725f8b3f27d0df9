import type { Api } from "./api";
import type { HealthBody, ProviderInfo } from "./api-types";
import type { Theme } from "./preferences";

/** One page of the app; `app.ts` builds each view with the context and shows one at a time. */
export interface View {
  readonly element: HTMLElement;
  /** Called each time the view becomes visible with a working connection. */
  show(): void;
  /** Forget what was loaded (the key changed, or everything was erased). */
  reset(): void;
}

/** What the views share: the API, what the worker reported, the key, the theme. */
export interface AppContext {
  readonly api: Api;
  providers(): ProviderInfo[];
  health(): HealthBody | undefined;
  /** Keeps a new key (or forgets it) and reconnects. */
  setKey(key: string | undefined): Promise<void>;
  /** After DELETE /api/data: every view drops what it shows. */
  dataErased(): void;
  setTheme(theme: Theme): void;
}
