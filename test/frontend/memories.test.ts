import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { eventually, screenshot, useBrowser } from "../support/browser";
import { openWithKey, sendMessage, useChatApp, waitForMemoryCard } from "../support/chat-app";
import { reply } from "../support/fake-vendors";

const app = useChatApp();
const browser = useBrowser();

async function chat(page: Page, message: string, answer: string): Promise<void> {
  app.vendors.openai.script(reply(answer));
  await sendMessage(page, message);
  await page.locator(".message-assistant[data-status='done']", { hasText: answer }).waitFor();
}

describe("the memory view", () => {
  it("shows a chat exchange as a memory, finds it, edits it and deletes it", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await chat(page, "Remember that my cat is called Miso", "Noted: your cat is Miso.");

    await page.locator("#tab-memories").click();
    const found = await waitForMemoryCard(page, "my cat is called Miso");
    expect(await found.locator(".memory-text").textContent()).toBe(
      "User: Remember that my cat is called Miso\nSOS: Noted: your cat is Miso.",
    );
    const id = (await found.getAttribute("data-id"))!;
    // By id from here on: while it is edited, the card's text is in a textarea.
    const card = page.locator(`.memory-card[data-id="${id}"]`);

    await page.locator("#memory-search").fill("Miso");
    await page.locator("#memory-search").press("Enter");
    await page.locator("#memory-status", { hasText: "1 memory matches “Miso”." }).waitFor();
    expect(await page.locator(".memory-card").count()).toBe(1);

    await card.getByRole("button", { name: "Open" }).click();
    await card.locator(".memory-details").waitFor();
    expect(await card.locator(".memory-details").textContent()).toContain(id);

    await card.getByRole("button", { name: "Edit" }).click();
    await card.getByLabel("Importance (0–1)").fill("0.9");
    await card.getByLabel("Core concepts").fill("cat, pet");
    await card.getByRole("button", { name: "Save" }).click();
    await card.locator(".chip", { hasText: "pet" }).waitFor();
    expect(await card.locator(".memory-meta").textContent()).toContain("importance 0.90");
    const stored = await app.api("GET", `/api/memories/${id}`);
    expect(stored.body).toMatchObject({ importance: 0.9, core_concepts: ["cat", "pet"] });
    expect(stored.body.text).toBe("User: Remember that my cat is called Miso\nSOS: Noted: your cat is Miso.");

    await card.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this memory?" });
    await dialog.getByRole("button", { name: "Delete memory" }).click();
    await card.waitFor({ state: "detached" });
    expect((await app.api("GET", `/api/memories/${id}`)).status).toBe(404);
  });

  it("keeps a memory when its deletion is cancelled", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await chat(page, "Note the colour teal", "Teal noted.");
    await page.locator("#tab-memories").click();
    const card = await waitForMemoryCard(page, "the colour teal");
    const id = (await card.getAttribute("data-id"))!;

    await card.getByRole("button", { name: "Delete" }).click();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await card.count()).toBe(1);
    expect((await app.api("GET", `/api/memories/${id}`)).status).toBe(200);
  });

  it("exports everything as a JSON file", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.locator("#tab-memories").click();
    await page
      .locator("#memory-status")
      .filter({ hasText: /newest first|No memories/ })
      .waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export-data").click()]);

    expect(download.suggestedFilename()).toMatch(/^sos-export-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync((await download.path())!, "utf8"));
    expect(exported.format).toBe("sos-export/1");
    expect(exported.agent_id).toBe("frontend-test");
    expect(exported.engrams.map((engram: { text: string }) => engram.text)).toContain(
      "User: Note the colour teal\nSOS: Teal noted.",
    );
  });

  it("reads as facts and concepts first, with the conversation folded; adds one by hand; counts stay true", async () => {
    await app.api("POST", "/api/memories", {
      text: "User: I moved to Lisbon last spring\nSOS: Lisbon it is.",
      epistemic_truths: ["The user lives in Lisbon"],
      core_concepts: ["home", "Lisbon"],
    });
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.locator("#tab-memories").click();
    const card = page.locator(".memory-card", { hasText: "The user lives in Lisbon" });
    await card.waitFor();
    expect(await card.locator(".memory-facts li").allTextContents()).toEqual(["The user lives in Lisbon"]);
    expect(await card.locator(".memory-concepts li").allTextContents()).toEqual(["home", "Lisbon"]);
    const transcript = card.locator("details.memory-transcript");
    expect(await transcript.getAttribute("open")).toBeNull();
    expect(await transcript.locator(".memory-text").isVisible()).toBe(false);
    await transcript.locator("summary").click();
    expect(await transcript.locator(".memory-text").isVisible()).toBe(true);

    const total = async () => (await app.api("GET", "/api/memories")).body.total as number;
    const before = await total();
    await page
      .locator("#memory-status", { hasText: `${before} ${before === 1 ? "memory" : "memories"}, newest first.` })
      .waitFor();

    await page.getByRole("button", { name: "Add a memory" }).click();
    await page.getByLabel("Memory", { exact: true }).fill("My sister's birthday is on the 3rd of May.");
    await page.getByLabel("Concepts (optional)").fill("family, birthdays");
    await page.getByRole("button", { name: "Save memory" }).click();
    const added = page.locator(".memory-card", { hasText: "My sister's birthday" });
    await added.waitFor();
    expect(await added.locator(".memory-concepts li").allTextContents()).toEqual(["family", "birthdays"]);
    expect(await total()).toBe(before + 1);
    await page.locator("#memory-status", { hasText: `${before + 1} memories, newest first.` }).waitFor();

    await added.getByRole("button", { name: "Delete" }).click();
    await page
      .getByRole("dialog", { name: "Delete this memory?" })
      .getByRole("button", { name: "Delete memory" })
      .click();
    await added.waitFor({ state: "detached" });
    expect(await total()).toBe(before);
    await page
      .locator("#memory-status", { hasText: `${before} ${before === 1 ? "memory" : "memories"}, newest first.` })
      .waitFor();

    // Erasing stands apart from the everyday actions, in its own danger zone.
    expect(await page.locator(".page-actions #erase-data").count()).toBe(0);
    expect(await page.locator(".danger-zone #erase-data").count()).toBe(1);
    await screenshot(page, "memories-facts-light");
  });

  it("erases everything only after the confirmation is typed", async () => {
    const page = await browser.newPage();
    await openWithKey(page, app);
    await page.locator("#tab-memories").click();
    await page.locator(".memory-card").first().waitFor();

    await page.locator("#erase-data").click();
    const dialog = page.getByRole("dialog", { name: "Erase everything?" });
    const confirm = dialog.getByRole("button", { name: "Erase everything" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Type erase everything to confirm").fill("erase");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Type erase everything to confirm").fill("erase everything");
    await confirm.click();

    await page.locator("#memory-status", { hasText: /^Erased: \d+ engrams/ }).waitFor();
    expect(await page.locator(".memory-card").count()).toBe(0);
    expect((await app.api("GET", "/api/memories")).body.memories).toEqual([]);
    expect((await app.api("GET", "/api/sessions")).body.sessions).toEqual([]);

    await page.locator("#tab-chat").click();
    await page.locator("#session-list").waitFor({ state: "attached" });
    await eventually(async () => expect(await page.locator(".session-item").count()).toBe(0));
  });
});
