import type { ElementContent, Root } from "hast";
import { createLowlight } from "lowlight";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

/*
 * The syntax highlighter, its own chunk: `markdown.ts` imports it with `import()` the first time a
 * code block is rendered, so a conversation without code never downloads it. lowlight gives a tree
 * (hast), never an HTML string; it becomes text nodes and <span class="hljs-…">, so the app still
 * has no path from model output to markup. highlight.js's own `highlightElement` (innerHTML) is in
 * this chunk, unused.
 */

const lowlight = createLowlight({
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
});

/** Names a fence may give for "no language": shown plain, not guessed. */
const plain = new Set(["text", "txt", "plain", "plaintext", "output", "log"]);

/** Larger blocks stay plain: highlighting them on every streamed token would stall the page. */
const maxLength = 50_000;

/**
 * Highlights `code` (a <code> element holding exactly `source` as text) in place: in `language` when
 * the fence named one this highlighter knows, by detection among the registered languages when it
 * named none. Leaves the element as it is otherwise, or when it has since changed or left the page.
 */
export function highlightCode(code: HTMLElement, source: string, language: string): void {
  if (!code.isConnected || code.textContent !== source || source.length > maxLength) return;
  const name = language.toLowerCase();
  let tree: Root;
  if (name) {
    if (plain.has(name) || !lowlight.registered(name)) return;
    tree = lowlight.highlight(name, source);
  } else {
    tree = lowlight.highlightAuto(source);
    if (!tree.data?.language) return;
  }
  const fragment = document.createDocumentFragment();
  appendTree(fragment, tree.children as ElementContent[]);
  // The copy button copies textContent: it must stay the model's code, character for character.
  if (fragment.textContent !== source) return;
  code.replaceChildren(fragment);
  code.classList.add("hljs");
}

function appendTree(parent: Node, nodes: ElementContent[]): void {
  for (const node of nodes) {
    if (node.type === "text") {
      parent.appendChild(document.createTextNode(node.value));
    } else if (node.type === "element") {
      const span = document.createElement("span");
      const classes = node.properties.className;
      if (Array.isArray(classes)) span.className = classes.filter((name) => /^[\w-]+$/.test(String(name))).join(" ");
      appendTree(span, node.children);
      parent.appendChild(span);
    }
  }
}
