import { h, text } from "./dom";

/**
 * Inline Markdown (code spans, emphasis, strikethrough, links, autolinks, images as links) appended
 * to a parent as DOM nodes; everything else is text.
 */
/** Appends `source`'s inline Markdown to `parent` and returns it. */
export function inline<T extends Node>(parent: T, source: string): T {
  let plain = "";
  const flush = () => {
    if (plain) parent.appendChild(text(plain));
    plain = "";
  };
  let index = 0;
  while (index < source.length) {
    const rest = source.slice(index);
    const char = source[index]!;
    const previous = index > 0 ? source[index - 1]! : " ";

    if (char === "\\" && /^[!-/:-@[-`{-~]/.test(source[index + 1] ?? "")) {
      plain += source[index + 1];
      index += 2;
      continue;
    }
    if (char === "`") {
      const run = /^`+/.exec(rest)![0];
      const close = findRun(source, "`", run.length, index + run.length);
      if (close !== -1) {
        flush();
        let code = source.slice(index + run.length, close).replace(/\n/g, " ");
        if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1);
        parent.appendChild(h("code", {}, code));
        index = close + run.length;
        continue;
      }
      plain += run;
      index += run.length;
      continue;
    }
    const emphasis = emphasisAt(source, index, previous);
    if (emphasis) {
      flush();
      parent.appendChild(inline(h(emphasis.tag), source.slice(emphasis.contentStart, emphasis.contentEnd)));
      index = emphasis.end;
      continue;
    }
    if (char === "!" && source[index + 1] === "[") {
      const link = linkAt(source, index + 1);
      if (link) {
        flush();
        const label = `[image: ${link.label || link.url}]`;
        parent.appendChild(safeUrl(link.url) ? anchor(link.url, text(label)) : text(label));
        index = link.end;
        continue;
      }
    }
    if (char === "[") {
      const link = linkAt(source, index);
      if (link) {
        flush();
        const label = inline(document.createDocumentFragment(), link.label);
        parent.appendChild(safeUrl(link.url) ? anchor(link.url, label) : label);
        index = link.end;
        continue;
      }
    }
    if (char === "<") {
      const auto = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/.exec(rest);
      if (auto && safeUrl(auto[1]!)) {
        flush();
        parent.appendChild(anchor(auto[1]!, text(auto[1]!)));
        index += auto[0].length;
        continue;
      }
    }
    if ((char === "h" || char === "H") && !/[A-Za-z0-9]/.test(previous)) {
      const bare = /^https?:\/\/[^\s<]+/i.exec(rest);
      if (bare) {
        const url = trimUrl(bare[0]);
        if (safeUrl(url)) {
          flush();
          parent.appendChild(anchor(url, text(url)));
          index += url.length;
          continue;
        }
      }
    }
    plain += char;
    index++;
  }
  flush();
  return parent;
}

interface Emphasis {
  tag: "strong" | "em" | "del";
  contentStart: number;
  contentEnd: number;
  end: number;
}

function emphasisAt(source: string, index: number, previous: string): Emphasis | undefined {
  const rest = source.slice(index);
  for (const [delimiter, tag] of [
    ["**", "strong"],
    ["__", "strong"],
    ["~~", "del"],
    ["*", "em"],
    ["_", "em"],
  ] as const) {
    if (!rest.startsWith(delimiter)) continue;
    // `_` inside a word (snake_case) is a letter, not emphasis.
    if (delimiter[0] === "_" && /[A-Za-z0-9]/.test(previous)) return undefined;
    const contentStart = index + delimiter.length;
    if (/^\s?$/.test(source[contentStart] ?? "")) continue;
    const close = findDelimiter(source, delimiter, contentStart + 1);
    if (close === -1 || /\s/.test(source[close - 1]!)) continue;
    if (delimiter[0] === "_" && /[A-Za-z0-9]/.test(source[close + delimiter.length] ?? "")) continue;
    return { tag, contentStart, contentEnd: close, end: close + delimiter.length };
  }
  return undefined;
}

/** The next `delimiter` from `from`, skipping code spans, escapes and (for a single character) doubled ones. */
function findDelimiter(source: string, delimiter: string, from: number): number {
  for (let index = from; index < source.length; index++) {
    const char = source[index]!;
    if (char === "\\") {
      index++;
      continue;
    }
    if (char === "`") {
      const run = /^`+/.exec(source.slice(index))![0];
      const close = findRun(source, "`", run.length, index + run.length);
      if (close !== -1) index = close + run.length - 1;
      continue;
    }
    if (!source.startsWith(delimiter, index)) continue;
    if (delimiter.length === 1 && source[index + 1] === delimiter) {
      index++;
      continue;
    }
    return index;
  }
  return -1;
}

/** Where a run of exactly `length` `char`s starts at or after `from`, or -1. */
function findRun(source: string, char: string, length: number, from: number): number {
  for (let index = from; index < source.length; index++) {
    if (source[index] !== char) continue;
    let end = index;
    while (source[end] === char) end++;
    if (end - index === length) return index;
    index = end;
  }
  return -1;
}

/** `[label](url "title")` starting at `index`. */
function linkAt(source: string, index: number): { label: string; url: string; end: number } | undefined {
  let depth = 0;
  let close = -1;
  for (let position = index; position < source.length; position++) {
    const char = source[position];
    if (char === "\\") position++;
    else if (char === "[") depth++;
    else if (char === "]" && --depth === 0) {
      close = position;
      break;
    }
  }
  if (close === -1 || source[close + 1] !== "(") return undefined;
  const target = /^\(\s*<?([^\s<>()]*(?:\([^\s()]*\)[^\s<>()]*)*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/.exec(
    source.slice(close + 1),
  );
  if (!target) return undefined;
  return { label: source.slice(index + 1, close), url: target[1]!, end: close + 1 + target[0].length };
}

/** Trailing punctuation after a bare URL belongs to the sentence (an unbalanced `)` too). */
function trimUrl(url: string): string {
  let trimmed = url.replace(/[.,:;!?'"*_~]+$/, "");
  while (trimmed.endsWith(")") && count(trimmed, "(") < count(trimmed, ")")) {
    trimmed = trimmed.slice(0, -1).replace(/[.,:;!?'"*_~]+$/, "");
  }
  return trimmed;
}

function count(value: string, char: string): number {
  return value.split(char).length - 1;
}

/** Only absolute http(s) and mailto URLs are followed; anything else (javascript:, data:, relative) is text. */
export function safeUrl(url: string): boolean {
  try {
    return ["http:", "https:", "mailto:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function anchor(url: string, label: Node): HTMLAnchorElement {
  const element = h("a", { href: new URL(url).href, target: "_blank", rel: "noopener noreferrer nofollow" });
  element.appendChild(label);
  return element;
}
