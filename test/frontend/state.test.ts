import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { eventually, useBrowser } from "../support/browser";
import { openWithKey, useChatApp } from "../support/chat-app";

const app = useChatApp();
const browser = useBrowser();

async function openState(page: Page): Promise<void> {
  await openWithKey(page, app);
  await page.locator("#tab-state").click();
  await page.locator("#coherence").waitFor();
}

const text = (page: Page, selector: string) => page.locator(selector).textContent();

describe("the state view", () => {
  it("previews an edit on the chart, saves it, and shows the worker's coherence", async () => {
    const page = await browser.newPage();
    await openState(page);
    expect(await text(page, "#coherence")).toBe("0.500");
    expect(await page.locator(".radar .radar-dot").count()).toBe(16);
    const before = await page.locator("#radar-value").getAttribute("points");
    expect(await page.locator("#radar-draft").count()).toBe(0);

    await page.locator("#dim-p").fill("0.9");
    expect(await text(page, "#dim-p-value")).toBe("0.90");
    await page.locator("#radar-draft").waitFor();
    expect(await text(page, "#coherence-preview")).toContain("coherence 0.548");
    expect(await text(page, "#coherence")).toBe("0.500");
    expect(await page.locator("#radar-value").getAttribute("points")).toBe(before);

    await page.locator("#state-save").click();
    // (0.9 + 0.5 + 1.2·0.5 + 1.2·0.5 + 0.5 + 0.5 + 0.5 + 0.5) / 8.4 = 4.6 / 8.4
    await page.locator("#coherence", { hasText: "0.548" }).waitFor();
    expect(await text(page, "#inner-mean")).toBe("0.550");
    expect(await text(page, "#outer-mean")).toBe("0.500");
    expect(await page.locator("#radar-draft").count()).toBe(0);
    const after = await page.locator("#radar-value").getAttribute("points");
    expect(after).not.toBe(before);
    expect(await text(page, "#coherence-preview")).toBe("");

    const stored = await app.api("GET", "/api/state");
    expect(stored.body.uv_16d.inner.p).toBe(0.9);
    expect(stored.body.coherence).toBeCloseTo(4.6 / 8.4, 10);

    // What is saved is what a fresh page shows.
    await page.reload();
    await page.locator("#coherence", { hasText: "0.548" }).waitFor();
    expect(await page.locator("#radar-value").getAttribute("points")).toBe(after);
  });

  it("moves a slider with the keyboard, and undoes an unsaved change", async () => {
    const page = await browser.newPage();
    await openState(page);
    const start = await page.locator("#dim-mu").inputValue();
    await page.locator("#dim-mu").focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(Number(await page.locator("#dim-mu").inputValue())).toBeCloseTo(Number(start) + 0.02, 5);
    expect(await page.locator("#state-save").isEnabled()).toBe(true);

    await page.locator("#state-reset").click();
    expect(await page.locator("#dim-mu").inputValue()).toBe(start);
    expect(await page.locator("#state-save").isDisabled()).toBe(true);
    expect(await page.locator("#radar-draft").count()).toBe(0);
  });

  it("changes the outer mean, not coherence, for an outer dimension", async () => {
    const page = await browser.newPage();
    await openState(page);
    const coherence = await text(page, "#coherence");
    await page.locator("#dim-pt").fill("0.1");
    await page.locator("#state-save").click();

    await page.locator("#outer-mean", { hasText: "0.450" }).waitFor();
    expect(await text(page, "#coherence")).toBe(coherence);
    await eventually(async () => expect((await app.api("GET", "/api/state")).body.uv_16d.outer.pt).toBe(0.1));
  });
});
