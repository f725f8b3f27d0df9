import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { eventually, useBrowser } from "../support/browser";
import { appAgentKey, connected, openWithKey, sendMessage, useChatApp } from "../support/chat-app";
import { fail, reply, stall } from "../support/fake-vendors";

const app = useChatApp();
const browser = useBrowser();

beforeEach(() => app.vendors.reset());

const lastAnswer = (page: Page) => page.locator(".message-assistant").last();

/** The last user message the fake OpenAI received. */
function lastPrompt(): string {
  const request = app.vendors.openai.requests.at(-1);
  const messages = (request?.body as { messages: { role: string; content: string }[] }).messages;
  return messages.filter((message) => message.role === "user").at(-1)!.content;
}

describe("the agent key", () => {
  it("is taken from the URL fragment, kept in this browser only, and removed from the address bar", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await openWithKey(page, app);

    expect(page.url()).toBe(app.url);
    expect(await page.evaluate("localStorage.getItem('sos.agentKey')")).toBe(appAgentKey);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => url.includes(appAgentKey) || url.includes("key="))).toEqual([]);

    await page.reload();
    await connected(page);
    expect(await page.locator(".gate").isHidden()).toBe(true);
  });
});

describe("chatting", () => {
  it("shows the answer while it streams, and Stop aborts the request", async () => {
    const page = await browser.newPage();
    const aborted: string[] = [];
    page.on("requestfailed", (request) =>
      aborted.push(`${new URL(request.url()).pathname} ${request.failure()?.errorText}`),
    );
    await openWithKey(page, app);
    app.vendors.openai.script(stall(["The first ", "words arrive "]));
    await sendMessage(page, "Tell me a long story");

    const answer = lastAnswer(page);
    await answer.locator(".message-body", { hasText: "The first words arrive" }).waitFor();
    expect(await answer.getAttribute("data-status")).toBe("streaming");
    const stop = page.getByRole("button", { name: "Stop" });
    await stop.click();

    await page.locator(".message-assistant[data-status='stopped']").waitFor();
    expect(await answer.locator(".message-notice").textContent()).toBe("Stopped.");
    expect(await answer.locator(".message-body").textContent()).toContain("The first words arrive");
    await eventually(() => expect(aborted).toEqual(["/api/chat net::ERR_ABORTED"]));
    await page.getByRole("button", { name: "Send" }).waitFor();
    expect(await page.getByRole("button", { name: "Retry the last message" }).isVisible()).toBe(true);
  });

  it("renders the finished answer as Markdown and names the provider and model", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    app.vendors.openai.script(
      reply([
        "Here is **bold** and `inline code`.\n\n",
        "```ts\nconst answer: number = 42;\n",
        "```\n\n- first\n- second\n\n[docs](https://example.com/docs)",
      ]),
    );
    await sendMessage(page, "Show me some Markdown");

    const answer = lastAnswer(page);
    await page.locator(".message-assistant[data-status='done']").waitFor();
    expect(await answer.locator("strong").textContent()).toBe("bold");
    expect(await answer.locator("p code").textContent()).toBe("inline code");
    expect(await answer.locator(".code-block code.language-ts").textContent()).toBe("const answer: number = 42;");
    expect(await answer.locator("li").allTextContents()).toEqual(["first", "second"]);
    const link = answer.locator("a", { hasText: "docs" });
    expect(await link.getAttribute("href")).toBe("https://example.com/docs");
    expect(await link.getAttribute("rel")).toContain("noopener");
    expect(await answer.locator(".message-meta").textContent()).toMatch(/^openai · gpt-4\.1-mini/);
    expect(lastPrompt()).toBe("Show me some Markdown");
  });

  it("sends on Enter and keeps Shift+Enter as a new line", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    app.vendors.openai.script(reply("Two lines received."));
    const input = page.locator("#message-input");
    await input.focus();
    await page.keyboard.type("line one");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("line two");
    expect(await page.locator(".message-user").count()).toBe(0);
    await page.keyboard.press("Enter");

    await page.locator(".message-assistant[data-status='done']").waitFor();
    expect(await page.locator(".message-user .message-body").textContent()).toBe("line one\nline two");
    expect(lastPrompt()).toBe("line one\nline two");
    expect(await input.inputValue()).toBe("");
  });

  it("retries the last message after a model error, without repeating it on screen", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    app.vendors.openai.script(fail(500, "The fake model is down"), reply("Back again."));
    await sendMessage(page, "Are you there?");

    await page.locator(".message-assistant[data-status='error']").waitFor();
    expect(await lastAnswer(page).locator(".message-notice").textContent()).toContain("The fake model is down");
    await page.getByRole("button", { name: "Retry the last message" }).click();

    await page.locator(".message-assistant[data-status='done']").waitFor();
    expect(await lastAnswer(page).locator(".message-body").textContent()).toBe("Back again.");
    expect(await page.locator(".message-user").count()).toBe(1);
    expect(await page.locator(".message-assistant").count()).toBe(1);
    expect(app.vendors.openai.requests.length).toBe(2);
    expect(lastPrompt()).toBe("Are you there?");
  });
});

describe("conversations", () => {
  it("lists each conversation, switches between them, and deletes one", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    app.vendors.openai.script(reply("Alpha answer."), reply("Beta answer."));
    await sendMessage(page, "Alpha question");
    await page.locator(".message-assistant[data-status='done']").waitFor();
    await page.locator("#new-chat").click();
    expect(await page.locator(".message").count()).toBe(0);
    await sendMessage(page, "Beta question");
    await page.locator(".message-assistant[data-status='done']").waitFor();

    const alpha = page.locator(".session-item", { hasText: "Alpha question" });
    const beta = page.locator(".session-item", { hasText: "Beta question" });
    await alpha.waitFor();
    await eventually(async () => expect(await beta.getAttribute("aria-current")).toBe("true"));
    const alphaId = (await alpha.getAttribute("data-id"))!;

    await alpha.locator(".session-open").click();
    await page.locator("#chat-title", { hasText: "Alpha question" }).waitFor();
    expect(await page.locator(".message-body").allTextContents()).toEqual(["Alpha question", "Alpha answer."]);
    expect(await alpha.getAttribute("aria-current")).toBe("true");

    // The conversation goes on in the same session.
    app.vendors.openai.script(reply("Still alpha."));
    await sendMessage(page, "And a follow-up");
    await page.locator(".message-assistant[data-status='done']", { hasText: "Still alpha." }).waitFor();
    const session = await app.api("GET", `/api/sessions/${alphaId}`);
    expect(session.body.messages.map((message: { content: string }) => message.content)).toEqual([
      "Alpha question",
      "Alpha answer.",
      "And a follow-up",
      "Still alpha.",
    ]);

    await page.getByRole("button", { name: "More actions: Alpha question" }).click();
    await page.getByRole("button", { name: "Delete conversation: Alpha question" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await alpha.waitFor({ state: "detached" });
    expect((await app.api("GET", `/api/sessions/${alphaId}`)).status).toBe(404);
    expect((await app.api("GET", `/api/conversations/${alphaId}`)).status).toBe(404);
    expect(await page.locator("#chat-title").textContent()).toBe("New chat");
    expect(await beta.count()).toBe(1);
  });
});
