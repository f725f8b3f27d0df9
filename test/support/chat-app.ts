import { mkdtempSync, rmSync } from "node:fs";
import type { Locator, Page } from "playwright-core";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../cli/local-worker";
import { buildFrontend } from "../../stack/bundle-frontend";
import { eventually } from "./browser";
import { startFakeVendors, type FakeVendors } from "./fake-vendors";

/** The key the browser tests enter; long and URL-safe like a generated one. */
export const appAgentKey = "frontend-test-key-7c1e2b9d4a";

export interface ChatApp {
  /** `http://127.0.0.1:<port>/`: the chat app and the API on one origin, as `npm start` serves them. */
  readonly url: string;
  readonly vendors: FakeVendors;
  readonly worker: LocalWorker;
  /** Calls the API directly (with the key), to check what the app did. */
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/**
 * The chat app built as `npm start` builds it (same origin, empty workerUrl), served with the worker
 * through Workers Assets on a free port, with OpenAI faked. `vars` are merged over the defaults; an
 * undefined value removes one (no provider at all, say).
 */
export function useChatApp(vars: Partial<Record<keyof WorkerVars, string | undefined>> = {}): ChatApp {
  let vendors: FakeVendors | undefined;
  let worker: LocalWorker | undefined;
  let buildDir: string | undefined;

  beforeAll(async () => {
    vendors = await startFakeVendors();
    buildDir = mkdtempSync(path.join(tmpdir(), "sos-frontend-"));
    const assets = path.join(buildDir, "site");
    buildFrontend(assets, { workerUrl: "" });
    const merged = Object.fromEntries(
      Object.entries({
        AGENT_KEY: appAgentKey,
        AGENT_ID: "frontend-test",
        AGENT_NAME: "SOS",
        LLM_PROVIDER: "openai",
        OPENAI_API_KEY: "sk-frontend-test",
        OPENAI_BASE_URL: vendors.openai.baseURL,
        EMBEDDING_PROVIDER: "workers-ai",
        SESSION_TTL_SECONDS: "3600",
        CONVERSATION_TITLES: "message",
        TELEMETRY: "false",
        YELLOW_PAGES: "false",
        ...vars,
      }).filter(([, value]) => value !== undefined),
    ) as WorkerVars;
    worker = await startLocalWorker({ vars: merged, assets, port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await worker?.close();
    await vendors?.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  const started = () => {
    if (!worker || !vendors) throw new Error("the chat app is not started (use it inside tests)");
    return { worker, vendors };
  };
  return {
    get url() {
      return started().worker.url.href;
    },
    get vendors() {
      return started().vendors;
    },
    get worker() {
      return started().worker;
    },
    async api(method, apiPath, body) {
      const response = await fetch(new URL(apiPath, started().worker.url), {
        method,
        headers: {
          authorization: `Bearer ${appAgentKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** Waits until the app has checked its key with the worker (so no start-up request is still in flight). */
export async function connected(page: Page): Promise<void> {
  await page.locator("html[data-connection='ok']").waitFor({ state: "attached" });
  await page.locator("#message-input").waitFor();
}

/** Opens the app as `npm start` prints it, the key in the fragment, and waits until it is connected. */
export async function openWithKey(page: Page, app: Pick<ChatApp, "url">): Promise<void> {
  await page.goto(`${app.url}#key=${appAgentKey}`);
  await connected(page);
}

/** Types `message` into the composer and sends it with Enter. */
export async function sendMessage(page: Page, message: string): Promise<void> {
  await page.locator("#message-input").fill(message);
  await page.locator("#message-input").press("Enter");
}

/** The worker stores an exchange in the background: refreshes the memory list until its card shows. */
export async function waitForMemoryCard(page: Page, text: string): Promise<Locator> {
  const card = page.locator(".memory-card", { hasText: text });
  await eventually(async () => {
    await page.locator("#memory-refresh").click();
    await page
      .locator("#memory-status")
      .filter({ hasText: /newest first|No memories/ })
      .waitFor();
    expect(await card.count()).toBe(1);
  });
  return card;
}
