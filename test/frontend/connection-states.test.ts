import { beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../support/browser";
import { appAgentKey, connected, openWithKey, sendMessage, useChatApp } from "../support/chat-app";
import { fail } from "../support/fake-vendors";

const app = useChatApp();
const browser = useBrowser();

beforeEach(() => app.vendors.reset());

describe("without a key", () => {
  it("asks for the key, calls no private route, and connects once it is entered", async () => {
    const page = await browser.newPage();
    const privateCalls: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith("/api/") && path !== "/api/health") privateCalls.push(path);
    });
    await page.goto(app.url);

    await page.getByRole("heading", { name: "Connect to your agent" }).waitFor();
    expect(await page.locator("#message-input").isVisible()).toBe(false);
    expect(privateCalls).toEqual([]);

    await page.getByLabel("Agent key", { exact: true }).fill(appAgentKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await connected(page);
    expect(await page.locator(".gate").isHidden()).toBe(true);
    expect(await page.evaluate("localStorage.getItem('sos.agentKey')")).toBe(appAgentKey);
  });
});

describe("a wrong key", () => {
  it("shows that the worker refused it, and accepts the right one", async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}#key=not-the-agent-key`);

    await page.getByRole("heading", { name: "The agent key was refused" }).waitFor();
    expect(await page.locator("#gate-error").textContent()).toContain("401");
    expect(await page.locator("#message-input").isVisible()).toBe(false);

    await page.getByLabel("Agent key", { exact: true }).fill(appAgentKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await connected(page);
  });

  it("that stops working mid-session brings the key screen back", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.evaluate("localStorage.setItem('sos.agentKey', 'rotated-away')");
    await sendMessage(page, "hello?");
    await page.getByRole("heading", { name: "The agent key was refused" }).waitFor();
    expect(app.vendors.openai.requests).toEqual([]);
  });
});

describe("an unreachable worker", () => {
  it("says so, and recovers with Try again once the worker answers", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    // The network drops every API call, as when the worker is down or the address is wrong.
    await page.route("**/api/**", (route) => route.abort("connectionrefused"));
    await sendMessage(page, "anyone there?");

    await page.locator(".message-assistant[data-status='error']").waitFor();
    expect(await page.locator(".message-assistant .message-notice").textContent()).toContain("Cannot reach the worker");
    expect(await page.locator("#unreachable-message").textContent()).toContain(
      `Cannot reach the worker at ${app.url.replace(/\/$/, "")}`,
    );

    // Let requests already caught be refused first, so none succeeds on its own before Try again.
    await page.unrouteAll({ behavior: "wait" });
    expect(await page.locator(".banner").isVisible()).toBe(true);
    await page.locator(".banner").getByRole("button", { name: "Try again" }).click();
    await page.locator(".banner").waitFor({ state: "hidden" });
  });
});

describe("model errors", () => {
  it("shows the provider's message from the stream's error event", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    app.vendors.openai.script(fail(500, "The fake model exploded"));
    await sendMessage(page, "Explode, please");

    const notice = page.locator(".message-assistant[data-status='error'] .message-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^The model provider failed: .*The fake model exploded/);
    expect(await notice.getAttribute("role")).toBe("alert");
  });
});

describe("answers shaped by the worker in other ways", () => {
  // These replay the worker's exact wire shapes, for cases the fake model cannot provoke.

  it("a 502 (a non-streamed failure) shows the worker's provider_error message", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.route("**/api/chat", (route) =>
      route.fulfill({
        status: 502,
        contentType: "application/json",
        body: JSON.stringify({
          error: { code: "provider_error", message: "The model provider failed: openai: 503 overloaded" },
        }),
      }),
    );
    await sendMessage(page, "hello");
    const notice = page.locator(".message-assistant[data-status='error'] .message-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toBe("The model provider failed: openai: 503 overloaded");
  });

  it("an error event after some tokens keeps the partial answer and shows the message", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.route("**/api/chat", (route) =>
      route.fulfill({
        status: 200,
        contentType: "text/event-stream; charset=utf-8",
        body:
          'event: token\ndata: {"text":"Half an "}\n\nevent: token\ndata: {"text":"answer"}\n\n' +
          'event: error\ndata: {"code":"provider_error","message":"The model provider failed: openai: connection reset","session_id":"s"}\n\n',
      }),
    );
    await sendMessage(page, "Start, then fail");
    const answer = page.locator(".message-assistant[data-status='error']");
    await answer.waitFor();
    expect(await answer.locator(".message-body").textContent()).toBe("Half an answer");
    expect(await answer.locator(".message-notice").textContent()).toBe(
      "The model provider failed: openai: connection reset",
    );
  });
});
