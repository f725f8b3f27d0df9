import { fold } from "./fts-query";
import { wordPattern } from "./words";

/**
 * What makes a stored text a near-duplicate of an engram, beyond its vector: merging keeps the
 * engram and drops the new text, so it is allowed only when the new text brings no word the engram
 * lacks. And a chat exchange ("User: ...\n<agent>: ...") is embedded, and so compared, by what the
 * user said: exchanges whose replies were alike (a long shared answer) are not alike for that.
 */

/** Share of the engram's distinct words the new text must hold as well (besides holding no new one). */
export const nearDuplicateWordShare = 0.8;

/** The text that is embedded for an engram: a chat exchange's user words, else the whole text. */
export function embeddingText(text: string, speaker: string | undefined): string {
  if (!text.startsWith(userPrefix)) return text;
  const reply = speaker === undefined ? -1 : text.indexOf(`\n${speaker}: `, userPrefix.length);
  if (reply < 0) return text;
  const said = text.slice(userPrefix.length, reply).trim();
  return said === "" ? text : said;
}

const userPrefix = "User: ";

/**
 * Whether `text` is a near-duplicate of `stored` in words: every word of it (folded as full text
 * folds them, stopwords included, so a "not" or a number counts) is in the stored text, and it
 * holds at least `nearDuplicateWordShare` of the stored text's distinct words.
 */
export function sameWords(text: string, stored: string): boolean {
  const added = wordSet(text);
  const kept = wordSet(stored);
  for (const word of added) if (!kept.has(word)) return false;
  return added.size >= nearDuplicateWordShare * kept.size;
}

function wordSet(text: string): Set<string> {
  return new Set((text.match(wordPattern) ?? []).map(fold));
}
