/** At most this many distinct words of a query reach FTS5. */
export const maxQueryTerms = 32;

/**
 * Letters, digits, marks and private-use characters: what FTS5's unicode61 tokenizer keeps as
 * token characters. Everything else (quotes, `*`, `-`, `:`, parentheses) only separates words.
 */
const wordPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/**
 * Turns user text into an FTS5 MATCH expression that cannot be read as FTS5 syntax: every word
 * becomes a quoted string (so `NEAR`, `AND`, `col:x`, `-foo`, `"` and `*` are plain words) and the
 * words are OR-ed, letting bm25 rank engrams that share more of them first. Returns undefined
 * when the text has no words at all (the caller answers with an empty result, not a query).
 */
export function ftsMatchExpression(text: string): string | undefined {
  const words = new Map<string, string>();
  for (const word of text.match(wordPattern) ?? []) {
    const key = word.toLowerCase();
    if (!words.has(key)) words.set(key, word);
    if (words.size === maxQueryTerms) break;
  }
  if (words.size === 0) return undefined;
  return [...words.values()].map((word) => `"${word.replace(/"/g, '""')}"`).join(" OR ");
}
