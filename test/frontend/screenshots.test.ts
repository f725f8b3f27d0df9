import type { Page } from "playwright-core";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, screenshot, useBrowser, type PageOptions } from "../support/browser";
import { appAgentKey, sendMessage, useChatApp } from "../support/chat-app";
import { fail, reply } from "../support/fake-vendors";

/**
 * The main views in both themes and on a phone, saved to test-results/screenshots/ for a person to
 * look at. Each shot also checks the page fits its width (nothing scrolls sideways).
 */
const app = useChatApp({ AGENT_ID: "sos-demo" });
const browser = useBrowser();

const answer = [
  "Here is a small **TypeScript** helper that clamps a value to the unit interval:\n\n",
  "```ts\nexport function clamp(value: number): number {\n  return Math.min(1, Math.max(0, value));\n}\n```\n\n",
  "A few notes:\n\n1. It never returns `NaN` for finite input.\n2. Use it before `PATCH /api/state`.\n\n",
  "| dimension | value |\n|---|---:|\n| μ cognition | 0.70 |\n| v vitality | 0.60 |\n",
];

beforeAll(async () => {
  // A state worth drawing, and a few memories besides the chats below.
  await app.api("PUT", "/api/state", {
    inner: { p: 0.82, e: 0.74, mu: 0.9, v: 0.66, n: 0.58, delta: 0.71, r: 0.63, phi: 0.77 },
    outer: { pt: 0.45, et: 0.52, mut: 0.61, vt: 0.38, nt: 0.55, deltat: 0.49, rt: 0.68, phit: 0.42 },
  });
  for (const memory of [
    { text: "The user prefers green tea in the afternoon.", core_concepts: ["tea", "preferences"], importance: 0.8 },
    {
      text: "Project Lighthouse ships on Friday; the user owns the deployment.",
      core_concepts: ["work"],
      importance: 0.7,
    },
  ]) {
    await app.api("POST", "/api/memories", memory);
  }
});

beforeEach(() => app.vendors.reset());

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, width] = (await page.evaluate(
    "[document.documentElement.scrollWidth, window.innerWidth]",
  )) as number[];
  expect(scroll).toBeLessThanOrEqual(width!);
}

/** Visible controls without an accessible name (label, aria-label(ledby), text or title). */
const unnamedControls = `[...document.querySelectorAll("button, input, select, textarea, a[href]")]
  .filter((el) => el.getClientRects().length > 0)
  .filter((el) => {
    const labelledBy = (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent || "").join("");
    const labels = el.labels ? [...el.labels].map((label) => label.textContent).join("") : "";
    const text = ["BUTTON", "A"].includes(el.tagName) ? el.textContent : "";
    return !(el.getAttribute("aria-label") || labelledBy || labels || text || el.getAttribute("title") || "").trim();
  })
  .map((el) => el.outerHTML.slice(0, 160))`;

async function everyControlNamed(page: Page): Promise<void> {
  expect(await page.evaluate(unnamedControls)).toEqual([]);
}

async function openApp(options: PageOptions): Promise<Page> {
  const page = await browser.newPage(options);
  await page.goto(`${app.url}#key=${appAgentKey}`);
  await page.locator("#message-input").waitFor({ state: "attached" });
  await page.locator("html[data-connection='ok']").waitFor({ state: "attached" });
  return page;
}

async function chatWithAnswers(page: Page): Promise<void> {
  app.vendors.openai.script(reply(answer), fail(500, "The fake model is overloaded"));
  await sendMessage(page, "Write a clamp helper for the state values");
  await page.locator(".message-assistant[data-status='done']").waitFor();
  await page.locator(".code-block code .hljs-keyword").first().waitFor();
  // Attached, not visible: on a phone the list is in a closed drawer.
  await page
    .locator(".session-item[aria-current='true'] .session-title", { hasText: "Write a clamp helper" })
    .waitFor({ state: "attached" });
}

for (const theme of ["light", "dark"] as const) {
  describe(`${theme} theme, desktop`, () => {
    it("chat, memories, state and settings", async () => {
      const page = await openApp({ colorScheme: theme });
      expect(await page.evaluate("getComputedStyle(document.body).colorScheme")).toBe(theme);
      await chatWithAnswers(page);
      await fitsWidth(page);
      await everyControlNamed(page);
      await screenshot(page, `chat-${theme}`);

      await sendMessage(page, "And once more?");
      await page.locator(".message-assistant[data-status='error']").waitFor();
      await screenshot(page, `chat-error-${theme}`);

      await page.locator("#tab-memories").click();
      await eventually(async () => {
        await page.locator("#memory-refresh").click();
        await page.locator("#memory-status").filter({ hasText: "newest first" }).waitFor();
        expect(await page.locator(".memory-card").count()).toBeGreaterThanOrEqual(3);
      });
      await page.locator(".memory-card", { hasText: "green tea" }).getByRole("button", { name: "Open" }).click();
      await page.locator(".memory-details").waitFor();
      await fitsWidth(page);
      await everyControlNamed(page);
      await screenshot(page, `memories-${theme}`);
      await page.locator(".memory-card", { hasText: "green tea" }).getByRole("button", { name: "Edit" }).click();
      await everyControlNamed(page);
      await page.getByRole("button", { name: "Cancel" }).click();

      await page.locator("#tab-state").click();
      await page.locator("#coherence", { hasText: "0.729" }).waitFor();
      await page.locator("#dim-v").fill("0.95");
      await page.locator("#radar-draft").waitFor();
      await fitsWidth(page);
      await everyControlNamed(page);
      await screenshot(page, `state-${theme}`);

      await page.locator("#tab-settings").click();
      await page.locator("#worker-info", { hasText: "sos-demo" }).waitFor();
      await fitsWidth(page);
      await everyControlNamed(page);
      await screenshot(page, `settings-${theme}`);
    });

    it("the key screen", async () => {
      const page = await browser.newPage({ colorScheme: theme });
      await page.goto(app.url);
      await page.getByRole("heading", { name: "Connect to your agent" }).waitFor();
      await everyControlNamed(page);
      await screenshot(page, `no-key-${theme}`);
      await page.goto(`${app.url}#key=wrong-key`);
      await page.reload();
      await page.getByRole("heading", { name: "The agent key was refused" }).waitFor();
      await screenshot(page, `wrong-key-${theme}`);
    });
  });
}

describe("a phone", () => {
  it("chat, the conversation drawer, and the state", async () => {
    const page = await openApp({ colorScheme: "dark", mobile: true });
    await chatWithAnswers(page);
    await fitsWidth(page);
    await screenshot(page, "phone-chat-dark");

    const toggle = page.getByRole("button", { name: "Conversations" });
    await toggle.click();
    await page.locator("#sidebar").waitFor({ state: "visible" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    // The drawer slides in; shoot it once it is there.
    await eventually(async () =>
      expect(await page.evaluate("getComputedStyle(document.querySelector('#sidebar')).transform")).toBe("none"),
    );
    await screenshot(page, "phone-drawer-dark");
    await page.keyboard.press("Escape");
    await page.locator("#sidebar").waitFor({ state: "hidden" });

    await page.locator("#tab-state").click();
    await page.locator("#coherence").waitFor();
    await fitsWidth(page);
    await screenshot(page, "phone-state-dark");

    await page.locator("#tab-memories").click();
    await page.locator(".memory-card").first().waitFor();
    await fitsWidth(page);
    await screenshot(page, "phone-memories-dark");
  });
});
