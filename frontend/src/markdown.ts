import { h } from "./dom";
import { toast } from "./ui/toast";
import { inline } from "./markdown-inline";

/**
 * Markdown as chat models write it (paragraphs, headings, lists, quotes, fenced code, tables,
 * emphasis, code spans, links), rendered straight to DOM nodes. There is no HTML path at all: raw
 * HTML in the source stays text, tag names come from this code, and a link keeps its target only
 * when it is an absolute http(s) or mailto URL. Images become links, so a reply cannot make the
 * browser fetch anything.
 */
export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  renderBlocks(source.replace(/\r\n?/g, "\n").split("\n"), fragment);
  return fragment;
}

const fence = /^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const heading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const rule = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const quote = /^ {0,3}> ?(.*)$/;
const listItem = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+(.*))?$/;
const tableDivider = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

function renderBlocks(lines: string[], parent: Node): void {
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.trim() === "") {
      index++;
      continue;
    }
    const start = index;
    index =
      codeBlock(lines, start, parent) ??
      headingBlock(line, start, parent) ??
      ruleBlock(line, start, parent) ??
      quoteBlock(lines, start, parent) ??
      listBlock(lines, start, parent) ??
      tableBlock(lines, start, parent) ??
      paragraph(lines, start, parent);
  }
}

/** Each block function renders the block starting at `start` and returns the next line's index, or undefined. */
function codeBlock(lines: string[], start: number, parent: Node): number | undefined {
  const open = fence.exec(lines[start]!);
  if (!open) return undefined;
  const [, indent = "", marker = "", info = ""] = open;
  const body: string[] = [];
  let index = start + 1;
  // A fence still open when the text ends (a reply being streamed) holds the rest of the text.
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
    if (close && close[1]![0] === marker[0] && close[1]!.length >= marker.length) {
      index++;
      break;
    }
    body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
  }
  const language = info.replace(/[^A-Za-z0-9_+#.-]/g, "").slice(0, 32);
  const source = body.join("\n");
  const code = h("code", language ? { class: `language-${language}` } : {}, source);
  highlightLater(code, source, language);
  const copy = h("button", { type: "button", class: "code-copy", "aria-label": "Copy code" }, "Copy");
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(code.textContent ?? "").then(
      () => flash(copy, "Copied"),
      () => flash(copy, "Copy failed"),
    );
  });
  parent.appendChild(
    h(
      "div",
      { class: "code-block" },
      h("div", { class: "code-head" }, h("span", {}, language || "code"), copy),
      h("pre", {}, code),
    ),
  );
  return index;
}

let highlighter: Promise<typeof import("./highlight")> | undefined;

/**
 * The code shows plain at once and is coloured when the highlighter (its own chunk, fetched the
 * first time a code block appears) has arrived; if it cannot be fetched it stays plain, and the
 * next code block tries again.
 */
function highlightLater(code: HTMLElement, source: string, language: string): void {
  highlighter ??= import("./highlight");
  highlighter.then(
    ({ highlightCode }) => highlightCode(code, source, language),
    () => {
      highlighter = undefined;
    },
  );
}

/** The button says what happened for a moment, and a toast says it to a screen reader too. */
function flash(button: HTMLButtonElement, label: string): void {
  button.textContent = label;
  button.dataset.copied = String(label === "Copied");
  toast(
    label === "Copied" ? "Code copied to the clipboard" : "Could not copy: the browser refused",
    label === "Copied" ? "info" : "error",
  );
  setTimeout(() => {
    button.textContent = "Copy";
    delete button.dataset.copied;
  }, 1500);
}

function headingBlock(line: string, start: number, parent: Node): number | undefined {
  const match = heading.exec(line);
  if (!match) return undefined;
  // Levels start at h3: the page's own h1/h2 stay the outline's top.
  const tag = (["h3", "h4", "h5", "h6", "h6", "h6"] as const)[match[1]!.length - 1]!;
  parent.appendChild(inline(h(tag), match[2] ?? ""));
  return start + 1;
}

function ruleBlock(line: string, start: number, parent: Node): number | undefined {
  if (!rule.test(line)) return undefined;
  parent.appendChild(h("hr"));
  return start + 1;
}

function quoteBlock(lines: string[], start: number, parent: Node): number | undefined {
  if (!quote.test(lines[start]!)) return undefined;
  const inner: string[] = [];
  let index = start;
  for (; index < lines.length; index++) {
    const match = quote.exec(lines[index]!);
    if (!match) break;
    inner.push(match[1]!);
  }
  const element = h("blockquote");
  renderBlocks(inner, element);
  parent.appendChild(element);
  return index;
}

function listBlock(lines: string[], start: number, parent: Node): number | undefined {
  const first = listItem.exec(lines[start]!);
  if (!first) return undefined;
  const ordered = /\d/.test(first[2]!);
  const list = ordered ? h("ol") : h("ul");
  if (ordered && parseInt(first[2]!, 10) !== 1) list.setAttribute("start", String(parseInt(first[2]!, 10)));
  let index = start;
  while (index < lines.length) {
    const item = listItem.exec(lines[index]!);
    if (!item || /\d/.test(item[2]!) !== ordered) break;
    const contentIndent = item[1]!.length + item[2]!.length + 1;
    const body = [item[4] ?? ""];
    index++;
    while (index < lines.length) {
      const line = lines[index]!;
      if (line.trim() === "") {
        const next = lines.slice(index + 1).find((candidate) => candidate.trim() !== "");
        if (next === undefined || indentOf(next) < contentIndent) break;
        body.push("");
        index++;
        continue;
      }
      if (indentOf(line) >= contentIndent) body.push(line.slice(contentIndent));
      else if (listItem.test(line) || fence.test(line) || heading.test(line) || rule.test(line)) break;
      else body.push(line.trim());
      index++;
    }
    const element = h("li");
    renderBlocks(body, element);
    // A tight item (one paragraph) shows its text without the paragraph's margins.
    if (element.childNodes.length === 1 && element.firstChild?.nodeName === "P") {
      element.replaceChildren(...element.firstChild.childNodes);
    }
    list.appendChild(element);
    while (index < lines.length && lines[index]!.trim() === "") {
      const next = lines.slice(index).find((candidate) => candidate.trim() !== "");
      if (next === undefined || !listItem.test(next)) break;
      index++;
    }
  }
  parent.appendChild(list);
  return index;
}

function indentOf(line: string): number {
  return line.length - line.replace(/^[ \t]+/, "").length;
}

function tableBlock(lines: string[], start: number, parent: Node): number | undefined {
  const header = lines[start]!;
  const divider = lines[start + 1];
  if (!header.includes("|") || divider === undefined || !tableDivider.test(divider) || !divider.includes("-")) {
    return undefined;
  }
  const aligns = cells(divider).map((cell) =>
    cell.startsWith(":") && cell.endsWith(":")
      ? "center"
      : cell.endsWith(":")
        ? "right"
        : cell.startsWith(":")
          ? "left"
          : "",
  );
  const row = (line: string, tag: "th" | "td") =>
    h(
      "tr",
      {},
      ...aligns.map((align, column) =>
        inline(h(tag, align ? { class: `align-${align}` } : {}), cells(line)[column] ?? ""),
      ),
    );
  const body = h("tbody");
  let index = start + 2;
  for (; index < lines.length && lines[index]!.includes("|") && lines[index]!.trim() !== ""; index++) {
    body.appendChild(row(lines[index]!, "td"));
  }
  parent.appendChild(h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, row(header, "th")), body)));
  return index;
}

function cells(line: string): string[] {
  const trimmed = line
    .trim()
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "");
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function paragraph(lines: string[], start: number, parent: Node): number {
  const body: string[] = [lines[start]!];
  let index = start + 1;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === "" || fence.test(line) || heading.test(line) || quote.test(line) || rule.test(line)) break;
    if (listItem.test(line) && /^ {0,3}([-*+]|1[.)])[ \t]+\S/.test(line)) break;
    body.push(line);
  }
  const element = h("p");
  body.forEach((line, position) => {
    if (position > 0) element.appendChild(h("br"));
    inline(element, line.trim());
  });
  parent.appendChild(element);
  return index;
}
