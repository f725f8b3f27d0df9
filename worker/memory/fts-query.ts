import { porterStem } from "./porter-stem";
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
  return words.map(quote).join(" OR ");
}

/** A word as an FTS5 string: only ever a word, never syntax. */
export function quote(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

/** One word of a query: as FTS5 reads it in a MATCH (`word`) and as the stemmed index stores it (`stem`). */
export interface QueryTerm {
  word: string;
  stem: string;
}

/**
 * Words whose document counts a recall reads from the vocabulary (one row each): the words that may
 * find candidates. A query with more words still ranks by all of them (see textCandidatesQuery).
 */
export const maxLookedUpTerms = 7;

/**
 * The query's distinct words as FTS5's porter tokenizer indexes them (unicode61's folding: lower
 * case, diacritics removed; then the porter stem), stopwords left out as above, one per stem, in
 * order of appearance, at most `maxQueryTerms`.
 */
export function queryTerms(text: string): QueryTerm[] {
  const terms = new Map<string, QueryTerm>();
  for (const word of contentWords(text, maxQueryTerms)) {
    const folded = fold(word);
    if (folded === "") continue;
    const stem = porterStem(folded);
    if (!terms.has(stem)) terms.set(stem, { word: folded, stem });
  }
  return [...terms.values()];
}

/**
 * Which terms have their document count read, when a query has more than `maxLookedUpTerms`: the
 * longest (a guess at the rarest, made only past that many words; the rest still rank, and a word
 * whose count is read is chosen by that count).
 */
export function lookedUpTerms(terms: readonly QueryTerm[]): { looked: QueryTerm[]; rest: QueryTerm[] } {
  if (terms.length <= maxLookedUpTerms) return { looked: [...terms], rest: [] };
  const byLength = terms
    .map((term, index) => ({ term, index }))
    .sort((x, y) => y.term.word.length - x.term.word.length || x.index - y.index);
  const looked = new Set(byLength.slice(0, maxLookedUpTerms).map((entry) => entry.term));
  return { looked: terms.filter((term) => looked.has(term)), rest: terms.filter((term) => !looked.has(term)) };
}

/** unicode61 with remove_diacritics 2, as near as JavaScript gets: NFD, marks dropped, lower case. */
export function fold(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}
