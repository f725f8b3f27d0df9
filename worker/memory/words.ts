/**
 * Letters, digits, marks and private-use characters: what FTS5's unicode61 tokenizer keeps as
 * token characters. Everything else (quotes, `*`, `-`, `:`, parentheses) only separates words.
 */
export const wordPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/**
 * English function words. They match nearly every engram, so they add nothing to a search but
 * work (bm25 ranks every match) and, in the hashing embedding, similarity between unrelated texts.
 */
export const stopwords: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between " +
    "both but by can could did do does doing down during each few for from further had has have having he her " +
    "here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not " +
    "now of off on once only or other our ours ourselves out over own same she should so some such than that the " +
    "their theirs them themselves then there these they this those through to too under until up very was we " +
    "were what when where which while who whom why will with would you your yours yourself yourselves " +
    "i'm it's don't s t d ll m re ve"
  ).split(" "),
);

/**
 * The distinct words of `text` in order of first appearance (as written, keyed case-insensitively),
 * without stopwords unless the text has nothing else.
 */
export function contentWords(text: string, max: number): string[] {
  const words = new Map<string, string>();
  for (const word of text.match(wordPattern) ?? []) {
    const key = word.toLowerCase();
    if (!words.has(key)) words.set(key, word);
  }
  const all = [...words];
  const content = all.filter(([key]) => !stopwords.has(key));
  return (content.length > 0 ? content : all).slice(0, max).map(([, word]) => word);
}
