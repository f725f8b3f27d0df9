import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { projectRoot } from "../../stack/paths";

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core never downloads a browser. */
export const chromiumCandidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"];

/** Headless, and quiet: no background traffic, no component updates, no sync, no QUIC. */
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

export const screenshotDir = path.join(projectRoot, "test-results", "screenshots");

export function chromiumPath(): string {
  const found = chromiumCandidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      `Chromium not found at ${chromiumCandidates.join(" or ")}: install Debian's package (apt-get install -y chromium)`,
    );
  }
  return found;
}

/** Each launch gets a fresh temporary profile (user-data dir) from playwright-core, removed on close. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    chromiumSandbox: false,
    args: chromiumArgs,
    timeout: 60_000,
  });
}

export interface PageOptions {
  colorScheme?: "light" | "dark";
  viewport?: { width: number; height: number };
  /** Touch and a phone's device scale, for the narrow layout. */
  mobile?: boolean;
}

export interface BrowserHarness {
  /** A page in a new context (its own storage: no key kept from another test). */
  newPage(options?: PageOptions): Promise<Page>;
  /** Uncaught errors, console errors (CSP violations among them) and dialogs of every page so far in this test. */
  readonly problems: string[];
}

/**
 * One Chromium for the calling test file. Each test's contexts are closed after it, and the test
 * fails if a page threw, logged an error, or opened a dialog (an `alert` from injected markup would).
 */
export function useBrowser(): BrowserHarness {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    const found = problems.splice(0);
    if (found.length) throw new Error(`the page reported problems:\n${found.join("\n")}`);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    problems,
    async newPage(options = {}) {
      if (!browser) throw new Error("the browser is not started (use the harness inside tests)");
      const context = await browser.newContext({
        colorScheme: options.colorScheme ?? "light",
        viewport: options.viewport ?? (options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 800 }),
        ...(options.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
        acceptDownloads: true,
        serviceWorkers: "block",
      });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error" && !expectedConsoleError(message.text()))
          problems.push(`console: ${message.text()}`);
      });
      page.on("dialog", (dialog) => {
        problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
        void dialog.dismiss();
      });
      return page;
    },
  };
}

/** Chromium logs every non-2xx fetch; the error states are tested on purpose. */
function expectedConsoleError(text: string): boolean {
  return /^Failed to load resource: (the server responded with a status of \d+|net::ERR_CONNECTION_REFUSED|net::ERR_FAILED)/.test(
    text,
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, animations: "disabled", caret: "hide" });
  return file;
}

/**
 * Retries `check` (an assertion or a condition) until it passes, for what the page or the worker
 * does in its own time; fails with the last error after `timeoutMs`.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
