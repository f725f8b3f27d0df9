import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "../support/browser";
import { openWithKey, sendMessage, useChatApp, waitForMemoryCard } from "../support/chat-app";
import { reply } from "../support/fake-vendors";

const app = useChatApp();
const browser = useBrowser();

/** Markup a model (or a poisoned memory) might send, split so tags cross token boundaries. */
const payload = [
  "Look: <im",
  'g src=x onerror="window.__pwned=1"> and <scr',
  "ipt>window.__pwned=2</script> and ",
  "[click me](javascript:window.__pwned=3) and <b>bold?</b> ",
  "![tracker](https://tracker.example/pixel.png)",
];
const payloadText = payload.join("");

/** Opens the app with the key, recording the URL of every request the page makes from then on. */
async function openRecordingRequests(page: Page): Promise<string[]> {
  const requested: string[] = [];
  page.on("request", (request) => requested.push(request.url()));
  await openWithKey(page, app);
  return requested;
}

describe("HTML in model output and memories", () => {
  it("is shown as text and creates no element, runs nothing, loads nothing", async () => {
    const page = await browser.newPage();
    const requested = await openRecordingRequests(page);
    app.vendors.openai.script(reply(payload));
    await sendMessage(page, '<img src=y onerror="window.__pwned=4"> what is this?');

    const answer = page.locator(".message-assistant[data-status='done'] .message-body");
    await answer.waitFor();
    const shown = await answer.textContent();
    expect(shown).toContain('<img src=x onerror="window.__pwned=1">');
    expect(shown).toContain("<script>window.__pwned=2</script>");
    expect(shown).toContain("<b>bold?</b>");
    expect(await page.locator(".message-user .message-body").textContent()).toBe(
      '<img src=y onerror="window.__pwned=4"> what is this?',
    );

    for (const tag of ["img", "script", "b", "iframe", "svg image"]) {
      expect(await page.locator(`#messages ${tag}`).count(), tag).toBe(0);
    }
    // The javascript: link is text; the image is a link to its URL, never fetched.
    expect(await answer.locator("a").evaluateAll((links) => links.map((link) => link.getAttribute("href")))).toEqual([
      "https://tracker.example/pixel.png",
    ]);
    expect(shown).toContain("click me");
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(requested.filter((url) => !url.startsWith(app.url))).toEqual([]);
  });

  it("is shown as text in the memory view and the conversation list", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    // The list shows a placeholder title until the conversation has been read; wait for the real one.
    const title = page.locator(".session-title", { hasText: "<img src=y" }).first();
    await title.waitFor();
    expect(await title.textContent()).toContain('<img src=y onerror="window.__pwned=4">');
    expect(await page.locator("#session-list img").count()).toBe(0);

    await page.locator("#tab-memories").click();
    const card = await waitForMemoryCard(page, "window.__pwned=1");
    await card.getByRole("button", { name: "Open" }).click();
    await card.locator(".memory-details").waitFor();
    expect(await card.locator(".memory-text").textContent()).toContain(payloadText);
    for (const tag of ["img", "script", "b", "a"]) {
      expect(await page.locator(`#memory-list ${tag}`).count(), tag).toBe(0);
    }
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
  });

  it("in a recalled conversation is still text", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.locator(".session-item .session-open").first().click();
    await page.locator(".message-assistant .message-body", { hasText: "window.__pwned=1" }).waitFor();
    expect(await page.locator("#messages img, #messages script, #messages b").count()).toBe(0);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
  });
});
