import { h } from "../dom";

let region: HTMLElement | undefined;

/** A short confirmation ("Memory deleted") announced politely and gone after a few seconds. */
export function toast(message: string, tone: "info" | "error" = "info"): void {
  region ??= document.body.appendChild(h("div", { class: "toasts", role: "status", "aria-live": "polite" }));
  const item = h("div", { class: `toast toast-${tone}` }, message);
  region.appendChild(item);
  setTimeout(() => item.remove(), 4000);
}
