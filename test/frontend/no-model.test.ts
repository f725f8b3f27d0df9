import { describe, expect, it } from "vitest";
import { useBrowser } from "../support/browser";
import { openWithKey, sendMessage, useChatApp } from "../support/chat-app";

// A worker with no model provider at all: Workers AI needs an account, and no key is set.
const app = useChatApp({ LLM_PROVIDER: "workers-ai", OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined });
const browser = useBrowser();

describe("a worker without a model", () => {
  it("shows the worker's no_model_configured message, and the rest of the app still works", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await sendMessage(page, "Is anyone home?");

    const notice = page.locator(".message-assistant[data-status='error'] .message-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^No model provider is configured\. .*OPENAI_API_KEY/);
    expect(await page.locator("#chat-model option").allTextContents()).toEqual(["No model"]);
    expect(await page.locator("#chat-model").isDisabled()).toBe(true);

    await page.locator("#tab-state").click();
    await page.locator("#coherence", { hasText: "0.500" }).waitFor();
  });
});
