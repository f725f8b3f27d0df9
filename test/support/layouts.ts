import type { Page } from "playwright-core";
import type { PageOptions } from "./browser";

/** The four layouts the app is checked in: a desktop at 1440×900 and a phone at 390×844, light and dark. */
export const layouts: { name: string; options: PageOptions; phone: boolean }[] = [
  { name: "desktop-light", options: { colorScheme: "light", viewport: { width: 1440, height: 900 } }, phone: false },
  { name: "desktop-dark", options: { colorScheme: "dark", viewport: { width: 1440, height: 900 } }, phone: false },
  { name: "phone-light", options: { colorScheme: "light", mobile: true }, phone: true },
  { name: "phone-dark", options: { colorScheme: "dark", mobile: true }, phone: true },
];

/** Opens the conversation list: on a phone it is a drawer behind the header's toggle. */
export async function showConversationList(page: Page): Promise<void> {
  const toggle = page.getByRole("button", { name: "Conversations", exact: true });
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
    await page.locator("#sidebar").waitFor({ state: "visible" });
  }
}
