import { h } from "../dom";
import { icon } from "../ui/icon";

/**
 * The conversation list as a drawer over the conversation, on a narrow screen. While it is open the
 * rest of the page is inert and Tab cycles inside it, so focus cannot leave it; a tap beside it, its
 * close button or Escape closes it, and closing it by keyboard puts focus back on its toggle.
 */
export class ChatDrawer {
  readonly toggle = h(
    "button",
    {
      type: "button",
      class: "icon-button drawer-toggle",
      "aria-label": "Conversations",
      "aria-expanded": "false",
      "aria-controls": "sidebar",
    },
    icon("menu"),
  );
  readonly closeButton = h(
    "button",
    { type: "button", class: "icon-button drawer-close", "aria-label": "Close the conversation list" },
    icon("close"),
  );
  private parts: { view: HTMLElement; list: HTMLElement; main: HTMLElement } | undefined;

  constructor() {
    this.toggle.addEventListener("click", (event) => {
      event.stopPropagation();
      this.set(!this.isOpen, true);
    });
    this.closeButton.addEventListener("click", () => this.set(false, true));
  }

  /** The chat view, the list in it, and the conversation beside the list. */
  attach(view: HTMLElement, list: HTMLElement, main: HTMLElement): void {
    this.parts = { view, list, main };
    main.addEventListener("click", () => this.isOpen && this.set(false));
    view.addEventListener("keydown", (event) => {
      if (!this.isOpen) return;
      if (event.key === "Escape") this.set(false, true);
      else if (event.key === "Tab") this.keepFocusInside(event);
    });
  }

  get isOpen(): boolean {
    return this.parts?.view.dataset.drawer === "open";
  }

  /** Opens (narrow screens only) or closes it; `moveFocus` when the person did it by keyboard or tap. */
  set(open: boolean, moveFocus = false): void {
    if (!this.parts) return;
    const opened = open && matchMedia("(max-width: 800px)").matches;
    this.parts.view.dataset.drawer = opened ? "open" : "closed";
    this.toggle.setAttribute("aria-expanded", String(opened));
    this.parts.main.inert = opened;
    const topbar = document.querySelector<HTMLElement>(".topbar");
    if (topbar) topbar.inert = opened;
    if (!moveFocus) return;
    if (opened) this.parts.list.querySelector<HTMLElement>("#new-chat")?.focus();
    else this.toggle.focus();
  }

  /** Tab from the drawer's last control goes to its first, Shift+Tab from its first to its last. */
  private keepFocusInside(event: KeyboardEvent): void {
    const list = this.parts!.list;
    const focusable = [...list.querySelectorAll<HTMLElement>("button, input, select, textarea, a[href]")].filter(
      (element) => !element.hasAttribute("disabled") && element.getClientRects().length > 0,
    );
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !list.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !list.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }
}
