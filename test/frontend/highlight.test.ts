import { beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../support/browser";
import { openWithKey, sendMessage, useChatApp } from "../support/chat-app";
import { reply } from "../support/fake-vendors";

/**
 * Code blocks are coloured by the highlighter chunk, fetched only once a code block is on the page;
 * the code's text (what Copy copies) stays exactly the model's.
 */
const app = useChatApp({ AGENT_ID: "sos-highlight" });
const browser = useBrowser();

beforeEach(() => app.vendors.reset());

const tsSource = [
  "// Clamp to the unit interval.",
  "export function clamp(value: number): number {",
  '  const label = "<b>not markup</b>";',
  "  return Math.min(1, Math.max(0, value));",
  "}",
].join("\n");

describe("syntax highlighting", () => {
  it("loads the highlighter only when a code block appears, and colours the code without changing it", async () => {
    const page = await browser.newPage();
    const events: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith("/chunks/highlight-")) events.push("highlighter");
      if (url.pathname === "/api/chat") events.push("chat");
    });
    await openWithKey(page, app);

    app.vendors.openai.script(
      reply(["No code here, ", "just **words**."]),
      reply(["Here it is:\n\n", "```ts\n", `${tsSource}\n`, "```\n"]),
    );
    await sendMessage(page, "Say something");
    await page.locator(".message-assistant[data-status='done']").waitFor();
    expect(events).toEqual(["chat"]);

    await sendMessage(page, "Write a clamp helper");
    const code = page.locator(".message-assistant .code-block code.language-ts");
    await code.locator(".hljs-keyword").first().waitFor();
    await page.locator(".message-assistant[data-status='done']").nth(1).waitFor();
    expect(events).toEqual(["chat", "chat", "highlighter"]);

    expect(await code.textContent()).toBe(tsSource);
    expect(await code.locator(".hljs-comment").textContent()).toBe("// Clamp to the unit interval.");
    expect(await code.locator(".hljs-string").textContent()).toBe('"<b>not markup</b>"');
    expect(await code.locator("b").count()).toBe(0);
    expect(await code.locator(".hljs-keyword", { hasText: /^function$/ }).count()).toBe(1);
    const classes = (await code.evaluate((element) =>
      [...element.querySelectorAll("*")].map((child) => `${child.tagName} ${child.className}`),
    )) as string[];
    expect(classes.every((entry) => /^SPAN hljs-[\w-]+( [\w-]+)*$/.test(entry))).toBe(true);
    const [keyword, text] = (await page.evaluate(`[".hljs-keyword", ""].map((inner) =>
      getComputedStyle(document.querySelector(".message-assistant .code-block code.language-ts " + inner) ??
        document.querySelector(".message-assistant .code-block code.language-ts")).color)`)) as string[];
    expect(keyword).not.toBe(text);

    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    await page.locator(".message-assistant").nth(1).getByRole("button", { name: "Copy code" }).click();
    await page.locator(".code-copy[data-copied='true']", { hasText: "Copied" }).waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(tsSource);
  });

  it("detects the language of an unnamed fence, and leaves one it does not know plain", async () => {
    const page = await browser.newPage({ colorScheme: "dark" });
    await openWithKey(page, app);
    const python = 'def greet(name):\n    """Say hello."""\n    return f"Hello, {name}!"';
    const unknown = 'main = putStrLn "hi"';
    app.vendors.openai.script(reply([`\`\`\`\n${python}\n\`\`\`\n\n\`\`\`haskell\n${unknown}\n\`\`\`\n`]));
    await sendMessage(page, "Two snippets");
    await page.locator(".message-assistant[data-status='done']").waitFor();
    const blocks = page.locator(".message-assistant .code-block code");
    await blocks.nth(0).locator(".hljs-keyword").first().waitFor();
    expect(await blocks.nth(0).textContent()).toBe(python);
    expect(await blocks.nth(1).textContent()).toBe(unknown);
    expect(await blocks.nth(1).locator("span").count()).toBe(0);
  });
});
