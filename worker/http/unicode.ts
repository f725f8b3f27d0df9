/** A UTF-16 surrogate without its pair: text no UTF-8 encoder can keep (D1 would store U+FFFD instead). */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(text: string): boolean {
  return !loneSurrogate.test(text);
}

/** Where a parsed JSON value is malformed text. */
export interface MalformedText {
  /** Dotted path of the value (`inner.p`, `tags.2`), or of the object whose key it is; "" for the whole value. */
  path: string;
  inKey: boolean;
}

/**
 * The first string (value or key) in a parsed JSON value that is not well-formed Unicode. JSON may
 * spell a lone surrogate (`"\ud800"`), and every later step would silently turn it into U+FFFD, so
 * two different names would become one; it is refused instead.
 */
export function findMalformedText(value: unknown, path: string[] = []): MalformedText | undefined {
  if (typeof value === "string") return isWellFormed(value) ? undefined : { path: path.join("."), inKey: false };
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (!isWellFormed(key)) return { path: path.join("."), inKey: true };
    const found = findMalformedText(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
