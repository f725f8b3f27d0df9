import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { eventually, screenshot, useBrowser } from "../support/browser";
import { connected, openWithKey, sendMessage, useChatApp } from "../support/chat-app";
import { cut, reply, stall } from "../support/fake-vendors";
import { layouts, showConversationList } from "../support/layouts";

/**
 * Conversations as a person uses them every day, in each of the four layouts: an answer cut off
 * mid-stream stays marked interrupted after a reload and can be retried without a second copy of the
 * question; regenerate and edit make versions, never copies; a conversation outlives its KV
 * session; rename, pin and search; a stopped answer survives a reload; a temporary chat is never
 * listed. Screenshots of each state land in test-results/screenshots/.
 */
const app = useChatApp();
const browser = useBrowser();

beforeEach(() => app.vendors.reset());

async function currentId(page: Page): Promise<string> {
  return eventually(async () => {
    const id = await page.locator(".session-item[aria-current='true']").getAttribute("data-id", { timeout: 500 });
    expect(id).toBeTruthy();
    return id!;
  });
}

async function openConversation(page: Page, title: string): Promise<void> {
  await showConversationList(page);
  await page.locator(".session-item", { hasText: title }).locator(".session-open").click();
  await page.locator("#chat-title", { hasText: title }).waitFor();
}

/** Every stored message of a conversation (all versions), from the export. */
async function storedMessages(id: string): Promise<{ role: string; content: string; status: string }[]> {
  const exported = await app.api("GET", "/api/export");
  return exported.body.conversations.find((conversation: { id: string }) => conversation.id === id).messages;
}

const bodies = (page: Page) => page.locator(".message .message-body").allTextContents();

for (const layout of layouts) {
  describe(layout.name, () => {
    it("an answer cut mid-stream shows as interrupted after a reload, and a retry stores no second question", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      const question = `Cut me off, ${layout.name}`;
      app.vendors.openai.script(cut(["The answer begins ", "and then "]));
      await sendMessage(page, question);
      const interrupted = page.locator(".message-assistant[data-status='interrupted']");
      await interrupted.waitFor();
      expect(await interrupted.locator(".message-notice").textContent()).toMatch(
        /^Interrupted: the answer was cut off/,
      );
      const id = await currentId(page);

      await page.reload();
      await connected(page);
      await openConversation(page, question);
      await interrupted.waitFor();
      expect(await interrupted.locator(".message-body").textContent()).toBe("The answer begins and then");
      await screenshot(page, `interrupted-${layout.name}`);

      app.vendors.openai.script(reply("A whole answer this time."));
      await page.getByRole("button", { name: "Retry the last message" }).click();
      await page.locator(".message-assistant[data-status='done']", { hasText: "A whole answer this time." }).waitFor();
      expect(await page.locator(".message-user").count()).toBe(1);
      expect(await page.locator(".version-count").textContent()).toBe("2 / 2");

      // The model saw the question once; the store holds it once, and the cut answer as a version.
      const prompt = (app.vendors.openai.requests.at(-1)!.body as { messages: { role: string }[] }).messages;
      expect(prompt.filter((message) => message.role === "user")).toHaveLength(1);
      expect((await storedMessages(id)).map((message) => [message.role, message.status])).toEqual([
        ["user", "complete"],
        ["assistant", "interrupted"],
        ["assistant", "complete"],
      ]);
      await page.getByRole("button", { name: "Previous version" }).click();
      await interrupted.waitFor();
      expect(await page.locator(".version-count").textContent()).toBe("1 / 2");
    });

    it("regenerate and edit make versions, never a second copy of a turn", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      app.vendors.openai.script(reply("Paris."), reply("About two million."), reply("Paris, France."));
      await sendMessage(page, "Capital of France?");
      await page.locator(".message-assistant[data-status='done']", { hasText: "Paris." }).waitFor();
      await sendMessage(page, "Population?");
      await page.locator(".message-assistant[data-status='done']", { hasText: "About two million." }).waitFor();
      const id = await currentId(page);

      // Regenerate the first answer (not the last one).
      await page.locator(".message-assistant").first().getByRole("button", { name: "Regenerate answer" }).click();
      await page.locator(".message-assistant[data-status='done']", { hasText: "Paris, France." }).waitFor();
      expect(await bodies(page)).toEqual(["Capital of France?", "Paris, France."]);
      await page.getByRole("button", { name: "Previous version" }).click();
      await page.locator(".message-assistant", { hasText: "About two million." }).waitFor();
      expect(await bodies(page)).toEqual(["Capital of France?", "Paris.", "Population?", "About two million."]);
      await screenshot(page, `versions-${layout.name}`);

      // Edit the first question: a new version of it, answered.
      app.vendors.openai.script(reply("Rome."));
      await page.locator(".message-user").first().getByRole("button", { name: "Edit message" }).click();
      await page.getByRole("textbox", { name: "Edit your message" }).fill("Capital of Italy?");
      await page.getByRole("button", { name: "Save and send" }).click();
      await page.locator(".message-assistant[data-status='done']", { hasText: "Rome." }).waitFor();
      expect(await bodies(page)).toEqual(["Capital of Italy?", "Rome."]);
      const prompt = (app.vendors.openai.requests.at(-1)!.body as { messages: { role: string; content: string }[] })
        .messages;
      expect(prompt.slice(1).map((message) => message.content)).toEqual(["Capital of Italy?"]);

      const contents = (await storedMessages(id)).map((message) => message.content);
      expect(contents.sort()).toEqual(
        [
          "Capital of France?",
          "Paris.",
          "Population?",
          "About two million.",
          "Paris, France.",
          "Capital of Italy?",
          "Rome.",
        ].sort(),
      );
    });

    it("a conversation is still listed, and opens whole, after its KV session expired", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      const question = `Keep me, ${layout.name}`;
      app.vendors.openai.script(reply("Kept in D1."));
      await sendMessage(page, question);
      await page.locator(".message-assistant[data-status='done']").waitFor();
      const id = await currentId(page);
      const kv = await app.worker.miniflare.getKVNamespace("SESSION");
      await kv.delete(`session:${id}`);
      expect((await app.api("GET", `/api/sessions/${id}`)).status).toBe(404);

      await page.reload();
      await connected(page);
      await openConversation(page, question);
      expect(await bodies(page)).toEqual([question, "Kept in D1."]);
    });

    it("renames, pins and searches conversations", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      const marker = layout.name.replace("-", "");
      app.vendors.openai.script(reply(`Basil wants sun, ${marker}.`));
      await sendMessage(page, `How do I grow basil ${marker}?`);
      await page.locator(".message-assistant[data-status='done']").waitFor();
      const id = await currentId(page);

      await showConversationList(page);
      const item = page.locator(`.session-item[data-id="${id}"]`);
      await item.getByRole("button", { name: /^More actions/ }).click();
      await item.getByRole("button", { name: "Rename" }).click();
      await item.getByRole("textbox", { name: "New name" }).fill(`Garden ${marker}`);
      await item.getByRole("textbox", { name: "New name" }).press("Enter");
      await page.locator(`.session-item[data-id="${id}"] .session-title`, { hasText: `Garden ${marker}` }).waitFor();
      expect(await page.locator("#chat-title").textContent()).toBe(`Garden ${marker}`);
      expect((await app.api("GET", `/api/conversations/${id}`)).body).toMatchObject({
        title: `Garden ${marker}`,
        title_source: "user",
      });

      await page
        .locator(`.session-item[data-id="${id}"]`)
        .getByRole("button", { name: /^More actions/ })
        .click();
      await page.locator(`.session-item[data-id="${id}"]`).getByRole("button", { name: "Pin" }).click();
      await page.locator(`.session-item[data-id="${id}"] .pin-mark`).waitFor();
      expect(await page.locator(".session-item").first().getAttribute("data-id")).toBe(id);

      // The search finds words of the messages, as they are typed, and marks them.
      await page.getByRole("searchbox", { name: "Search conversations" }).fill(`sun ${marker.slice(0, -1)}`);
      await eventually(async () => {
        expect(await page.locator(".session-item").count()).toBe(1);
        expect(await page.locator(".session-item mark").first().textContent()).toMatch(/^sun$/i);
      });
      await screenshot(page, `search-${layout.name}`);
      await page.getByRole("searchbox", { name: "Search conversations" }).fill("nothing-matches-this");
      await page.locator(".session-status", { hasText: "No conversation matches" }).waitFor();
      await page.getByRole("searchbox", { name: "Search conversations" }).fill("");
      await page.locator(`.session-item[data-id="${id}"]`).waitFor();
    });

    it("a stopped answer survives a reload, marked stopped", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      const question = `Stop me, ${layout.name}`;
      app.vendors.openai.script(stall(["Some words ", "before the stop "]));
      await sendMessage(page, question);
      await page.locator(".message-assistant .message-body", { hasText: "before the stop" }).waitFor();
      await page.getByRole("button", { name: "Stop", exact: true }).click();
      await page.locator(".message-assistant[data-status='stopped']").waitFor();
      const id = await currentId(page);
      await eventually(async () =>
        expect((await storedMessages(id)).at(-1)).toMatchObject({
          status: "stopped",
          content: "Some words before the stop ",
        }),
      );
      await page.reload();
      await connected(page);
      await openConversation(page, question);
      await page
        .locator(".message-assistant[data-status='stopped']", { hasText: "Some words before the stop" })
        .waitFor();
    });

    it("one model picker in the header: each provider's models, a typed one, kept per conversation", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      const picker = page.getByRole("combobox", { name: "Model" });
      expect(await picker.locator("optgroup[label='openai'] option").allTextContents()).toEqual([
        "gpt-4.1-mini (default)",
        "gpt-4.1",
        "gpt-4.1-nano",
      ]);
      expect(await page.locator("#settings-model, #settings-provider").count()).toBe(0);
      await picker.selectOption({ label: "gpt-4.1-nano" });
      const first = `Which model, ${layout.name}?`;
      app.vendors.openai.script(reply("The small one."));
      await sendMessage(page, first);
      await page.locator(".message-assistant[data-status='done']").waitFor();
      expect((app.vendors.openai.requests.at(-1)!.body as { model: string }).model).toBe("gpt-4.1-nano");

      await showConversationList(page);
      await page.locator("#new-chat").click();
      await picker.selectOption({ label: "Other model…" });
      const dialog = page.getByRole("dialog", { name: "Use another model" });
      await dialog.getByLabel("Model name").fill("my-own-model");
      await screenshot(page, `model-picker-${layout.name}`);
      await dialog.getByRole("button", { name: "Use this model" }).click();
      app.vendors.openai.script(reply("Typed model here."));
      await sendMessage(page, `Typed model, ${layout.name}`);
      await page.locator(".message-assistant[data-status='done']").waitFor();
      expect((app.vendors.openai.requests.at(-1)!.body as { model: string }).model).toBe("my-own-model");
      expect(await picker.locator("optgroup[label='openai'] option").allTextContents()).toContain("my-own-model");

      // Each conversation keeps its own.
      await openConversation(page, first);
      expect(await picker.inputValue()).toBe("openai\u0000gpt-4.1-nano");
    });

    it("a temporary chat is never listed and makes no memory", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      await page.locator("label", { hasText: "Temporary chat" }).click();
      expect(await page.locator("#remember-chat").isDisabled()).toBe(true);
      const question = `Off the record, ${layout.name}`;
      app.vendors.openai.script(reply("Forgotten soon."));
      await sendMessage(page, question);
      await page.locator(".message-assistant[data-status='done']").waitFor();
      await page.locator("#chat-badge", { hasText: "Temporary" }).waitFor();
      await screenshot(page, `temporary-${layout.name}`);
      const list = await app.api("GET", "/api/conversations?limit=100");
      expect(list.body.conversations.map((item: { title: string }) => item.title)).not.toContain(question);
      const memories = await app.api("POST", "/api/memories/search", { query: "Off the record" });
      expect(memories.body.results.filter((memory: { text: string }) => memory.text.includes(question))).toEqual([]);
    });
  });
}
