import { contentWords } from "./words";

/** At most this many distinct words of a query reach FTS5. */
export const maxQueryTerms = 32;

/**
 * Turns user text into an FTS5 MATCH expression that cannot be read as FTS5 syntax: every word
 * becomes a quoted string (so `NEAR`, `AND`, `col:x`, `-foo`, `"` and `*` are plain words) and the
 * words are OR-ed, letting bm25 rank engrams that share more of them first. Stopwords are left out
 * when the text has other words ("what do I drink?" searches for `drink`). Returns undefined when the
 * text has no words at all (the caller answers with an empty result, not a query).
 */
export function ftsMatchExpression(text: string): string | undefined {
  const words = contentWords(text, maxQueryTerms);
  if (words.length === 0) return undefined;
  return words.map((word) => `"${word.replace(/"/g, '""')}"`).join(" OR ");
}

/** At most this many words reach the cheap full-text query (each costs a vocabulary read). */
export const maxRankedTerms = 6;

/**
 * The query's words as FTS5's unicode61 tokenizer indexes them (lower case, diacritics removed),
 * stopwords left out as above, the longest first (longer words are rarer), at most `maxRankedTerms`.
 */
export function ftsTerms(text: string): string[] {
  const terms = new Set(
    contentWords(text, maxQueryTerms).map((word) =>
      word
        .normalize("NFD")
        .replace(/\p{M}+/gu, "")
        .toLowerCase(),
    ),
  );
  return [...terms]
    .filter((term) => term !== "")
    .map((term, index) => ({ term, index }))
    .sort((a, b) => b.term.length - a.term.length || a.index - b.index)
    .slice(0, maxRankedTerms)
    .map((entry) => entry.term);
}
