import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../stack/paths";
import { screenshot, useBrowser } from "../support/browser";
import { openWithKey, sendMessage, useChatApp } from "../support/chat-app";
import { cut, reply } from "../support/fake-vendors";
import { layouts, showConversationList } from "../support/layouts";

/**
 * axe-core (the pinned devDependency, injected into the page) on every view in the four layouts:
 * no serious or critical violation. Then what axe cannot see: the phone drawer keeps focus inside,
 * the skip link lands in the message box, and every control on a phone is at least 44×44 to tap.
 */
const app = useChatApp({ AGENT_ID: "sos-a11y" });
const browser = useBrowser();
const axeSource = readFileSync(path.join(projectRoot, "node_modules", "axe-core", "axe.min.js"), "utf8");

beforeAll(async () => {
  await app.api("PUT", "/api/state", {
    inner: { p: 0.8, e: 0.7, mu: 0.9, v: 0.6, n: 0.5, delta: 0.7, r: 0.6, phi: 0.7 },
    outer: { pt: 0.4, et: 0.5, mut: 0.6, vt: 0.3, nt: 0.5, deltat: 0.4, rt: 0.6, phit: 0.4 },
  });
  await app.api("POST", "/api/memories", {
    text: "The user prefers green tea in the afternoon.",
    core_concepts: ["tea"],
    epistemic_truths: ["The user likes green tea"],
  });
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Serious and critical violations on the page as it is now (evaluated through the devtools protocol, outside the page's CSP). */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)",
  )) as Violation[];
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `${violation.id} (${violation.impact}): ${node.target.join(" ")} — ${node.failureSummary ?? violation.help}`,
      ),
    );
}

async function expectClean(page: Page, view: string): Promise<void> {
  expect(await seriousViolations(page), view).toEqual([]);
}

/** Visible controls smaller than 44×44 CSS pixels (links inside text are exempt, as WCAG 2.5.8 allows). */
const smallTargets = `[...document.querySelectorAll("button, select, textarea, input:not([type=checkbox]):not([type=radio]), a[href], label.composer-option, label.segment")]
  .filter((el) => el.getClientRects().length > 0 && !el.closest(".message-body p, .message-body li, .message-body td, .skip-link"))
  .filter((el) => getComputedStyle(el).visibility !== "hidden")
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 43.5 || box.height < 43.5)
  .map(([el, box]) => (el.getAttribute("aria-label") || el.textContent || el.id || el.tagName).trim().slice(0, 40) + " " + Math.round(box.width) + "x" + Math.round(box.height))`;

async function conversationWithEverything(page: Page, label: string): Promise<void> {
  app.vendors.openai.script(
    reply([
      'Here is code:\n\n```ts\n// one\nconst x: number = 1;\nconst s = "text";\n```\n\n',
      "And a [link](https://example.com).",
    ]),
    cut(["Half an ", "answer"]),
  );
  await sendMessage(page, `Show me code, ${label}`);
  await page.locator(".message-assistant[data-status='done']").waitFor();
  // axe checks the code as coloured by the highlighter.
  await page.locator(".code-block code .hljs-comment").waitFor();
  await sendMessage(page, "And more?");
  await page.locator(".message-assistant[data-status='interrupted']").waitFor();
}

for (const layout of layouts) {
  describe(layout.name, () => {
    it("every view has no serious or critical axe-core violation", async () => {
      const page = await browser.newPage(layout.options);
      await page.goto(app.url);
      await page.getByRole("heading", { name: "Connect to your agent" }).waitFor();
      await expectClean(page, "the key screen");

      await openWithKey(page, app);
      await expectClean(page, "an empty chat");
      await conversationWithEverything(page, layout.name);
      await expectClean(page, "a conversation");
      if (layout.phone) {
        await showConversationList(page);
        await expectClean(page, "the conversation drawer");
        await page.keyboard.press("Escape");
      }
      await page.locator(".message-user").first().getByRole("button", { name: "Edit message" }).click();
      await expectClean(page, "editing a message");
      await page.getByRole("button", { name: "Cancel" }).click();

      await page.locator("#tab-memories").click();
      await page.locator(".memory-card").first().waitFor();
      await expectClean(page, "memories");

      await page.locator("#tab-state").click();
      await page.locator("#coherence").waitFor();
      await expectClean(page, "state");

      await page.locator("#tab-settings").click();
      await page.locator("#worker-info", { hasText: "sos-a11y" }).waitFor();
      await expectClean(page, "settings");

      await page.locator("#tab-memories").click();
      await page.locator("#erase-data").click();
      await page.getByRole("dialog").waitFor();
      await expectClean(page, "the erase dialog");
      await page.keyboard.press("Escape");
    });

    if (layout.phone) {
      it("the drawer keeps focus inside while open, and gives it back to its toggle", async () => {
        const page = await browser.newPage(layout.options);
        await openWithKey(page, app);
        const toggle = page.getByRole("button", { name: "Conversations", exact: true });
        await toggle.click();
        await page.locator("#sidebar").waitFor({ state: "visible" });
        expect(await page.evaluate("document.activeElement.id")).toBe("new-chat");
        for (const key of [...Array(12).fill("Tab"), ...Array(12).fill("Shift+Tab")]) {
          await page.keyboard.press(key);
          expect(await page.evaluate("document.querySelector('#sidebar').contains(document.activeElement)"), key).toBe(
            true,
          );
        }
        await screenshot(page, `phone-drawer-focus-${layout.name}`);
        await page.keyboard.press("Escape");
        await page.locator("#sidebar").waitFor({ state: "hidden" });
        expect(await page.evaluate("document.activeElement.getAttribute('aria-label')")).toBe("Conversations");
        // Closed, the rest of the page is usable again.
        expect(await page.evaluate("document.querySelector('.chat-main').inert")).toBe(false);
      });

      it("every control is at least 44 by 44 CSS pixels to tap", async () => {
        const page = await browser.newPage(layout.options);
        await openWithKey(page, app);
        await conversationWithEverything(page, `taps ${layout.name}`);
        expect(await page.evaluate(smallTargets), "chat").toEqual([]);
        await showConversationList(page);
        await page
          .locator(".session-item")
          .first()
          .getByRole("button", { name: /^More actions/ })
          .click();
        expect(await page.evaluate(smallTargets), "drawer").toEqual([]);
        await page.keyboard.press("Escape");
        for (const view of ["memories", "state", "settings"]) {
          await page.locator(`#tab-${view}`).click();
          await page.locator(`#view-${view}`).waitFor();
          await page.waitForTimeout(300);
          expect(await page.evaluate(smallTargets), view).toEqual([]);
        }
      });
    }

    it("the skip link is the first stop and lands in the message box", async () => {
      const page = await browser.newPage(layout.options);
      await openWithKey(page, app);
      expect(
        await page.evaluate(
          "document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex=\"-1\"])').className",
        ),
      ).toBe("skip-link");
      if (layout.phone) {
        // Nothing is focused after a load on a phone: the first Tab reaches the skip link.
        await page.keyboard.press("Tab");
      } else {
        // A desktop puts focus in the message box at once; the link is there for whoever tabs back to it.
        expect(await page.evaluate("document.activeElement.id")).toBe("message-input");
        await page.locator(".skip-link").focus();
      }
      expect(await page.evaluate("document.activeElement.className")).toBe("skip-link");
      await page.keyboard.press("Enter");
      expect(await page.evaluate("document.activeElement.id")).toBe("message-input");
    });
  });
}
