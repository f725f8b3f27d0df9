/**
 * FTS5's own porter stemmer (sqlite3.c, fts5PorterCb and the generated fts5PorterStep*), ported
 * rule for rule and run on the token's UTF-8 bytes as SQLite runs it: recall looks a query word's
 * document count up in the stemmed index's vocabulary (engrams_fts_porter_vocab), which holds the
 * stems FTS5 made. A test checks this port against SQLite's tokenizer word for word. Tokens shorter
 * than 3 or longer than 64 bytes pass through, as in SQLite.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const maxToken = 64;

/** The stem FTS5's porter tokenizer indexes for one unicode61 token (already folded). */
export function porterStem(token: string): string {
  const bytes = encoder.encode(token);
  if (bytes.length > maxToken || bytes.length < 3) return token;
  const word = new Word(bytes);
  word.stem();
  return decoder.decode(word.buf.subarray(0, word.n));
}

const a = 97;
const code = (char: string) => char.charCodeAt(0);
const isVowelByte = (c: number, yIsVowel: boolean) =>
  c === 97 || c === 101 || c === 105 || c === 111 || c === 117 || (yIsVowel && c === 121);

/** A rule of steps 2 to 4: suffix, replacement, and the condition on the stem before the suffix. */
type Rule = readonly [suffix: string, output: string, condition: "m>0" | "m>1" | "m>1st"];

/** Rules by the buffer's next-to-last letter, in SQLite's order (the first suffix that matches decides). */
const step2: Record<string, readonly Rule[]> = {
  a: [
    ["ational", "ate", "m>0"],
    ["tional", "tion", "m>0"],
  ],
  c: [
    ["enci", "ence", "m>0"],
    ["anci", "ance", "m>0"],
  ],
  e: [["izer", "ize", "m>0"]],
  g: [["logi", "log", "m>0"]],
  l: [
    ["bli", "ble", "m>0"],
    ["alli", "al", "m>0"],
    ["entli", "ent", "m>0"],
    ["eli", "e", "m>0"],
    ["ousli", "ous", "m>0"],
  ],
  o: [
    ["ization", "ize", "m>0"],
    ["ation", "ate", "m>0"],
    ["ator", "ate", "m>0"],
  ],
  s: [
    ["alism", "al", "m>0"],
    ["iveness", "ive", "m>0"],
    ["fulness", "ful", "m>0"],
    ["ousness", "ous", "m>0"],
  ],
  t: [
    ["aliti", "al", "m>0"],
    ["iviti", "ive", "m>0"],
    ["biliti", "ble", "m>0"],
  ],
};
const step3: Record<string, readonly Rule[]> = {
  a: [["ical", "ic", "m>0"]],
  s: [["ness", "", "m>0"]],
  t: [
    ["icate", "ic", "m>0"],
    ["iciti", "ic", "m>0"],
  ],
  u: [["ful", "", "m>0"]],
  v: [["ative", "", "m>0"]],
  z: [["alize", "al", "m>0"]],
};
const step4: Record<string, readonly Rule[]> = {
  a: [["al", "", "m>1"]],
  c: [
    ["ance", "", "m>1"],
    ["ence", "", "m>1"],
  ],
  e: [["er", "", "m>1"]],
  i: [["ic", "", "m>1"]],
  l: [
    ["able", "", "m>1"],
    ["ible", "", "m>1"],
  ],
  n: [
    ["ant", "", "m>1"],
    ["ement", "", "m>1"],
    ["ment", "", "m>1"],
    ["ent", "", "m>1"],
  ],
  o: [
    ["ion", "", "m>1st"],
    ["ou", "", "m>1"],
  ],
  s: [["ism", "", "m>1"]],
  t: [
    ["ate", "", "m>1"],
    ["iti", "", "m>1"],
  ],
  u: [["ous", "", "m>1"]],
  v: [["ive", "", "m>1"]],
  z: [["ize", "", "m>1"]],
};

class Word {
  readonly buf: Uint8Array;
  n: number;

  constructor(bytes: Uint8Array) {
    this.buf = new Uint8Array(bytes.length + 8);
    this.buf.set(bytes);
    this.n = bytes.length;
  }

  stem(): void {
    this.step1a();
    if (this.step1b() && !this.step1b2()) {
      const c = this.buf[this.n - 1]!;
      if (
        !isVowelByte(c, false) &&
        c !== code("l") &&
        c !== code("s") &&
        c !== code("z") &&
        c === this.buf[this.n - 2]
      ) {
        this.n -= 1;
      } else if (this.mEq1(0, this.n) && this.oStar(this.n)) {
        this.buf[this.n++] = code("e");
      }
    }
    if (this.buf[this.n - 1] === code("y") && this.hasVowel(this.n - 1)) this.buf[this.n - 1] = code("i");
    this.apply(step2);
    this.apply(step3);
    this.apply(step4);
    if (this.buf[this.n - 1] === code("e")) {
      const stem = this.n - 1;
      if (this.mGt1(stem) || (this.mEq1(0, stem) && !this.oStar(stem))) this.n -= 1;
    }
    if (
      this.n > 1 &&
      this.buf[this.n - 1] === code("l") &&
      this.buf[this.n - 2] === code("l") &&
      this.mGt1(this.n - 1)
    ) {
      this.n -= 1;
    }
  }

  private endsWith(suffix: string): boolean {
    if (this.n <= suffix.length) return false;
    for (let index = 0; index < suffix.length; index++) {
      if (this.buf[this.n - suffix.length + index] !== suffix.charCodeAt(index)) return false;
    }
    return true;
  }

  private replace(suffixLength: number, output: string): void {
    const stem = this.n - suffixLength;
    for (let index = 0; index < output.length; index++) this.buf[stem + index] = output.charCodeAt(index);
    this.n = stem + output.length;
  }

  private step1a(): void {
    const { buf, n } = this;
    if (buf[n - 1] !== code("s")) return;
    if (buf[n - 2] === code("e")) {
      if ((n > 4 && buf[n - 4] === code("s") && buf[n - 3] === code("s")) || (n > 3 && buf[n - 3] === code("i"))) {
        this.n = n - 2;
      } else {
        this.n = n - 1;
      }
    } else if (buf[n - 2] !== code("s")) {
      this.n = n - 1;
    }
  }

  private step1b(): boolean {
    const next = this.buf[this.n - 2];
    if (next === code("e")) {
      if (this.endsWith("eed")) {
        if (this.mGt0(this.n - 3)) this.replace(3, "ee");
        return false;
      }
      if (this.endsWith("ed") && this.hasVowel(this.n - 2)) {
        this.n -= 2;
        return true;
      }
    } else if (next === code("n") && this.endsWith("ing") && this.hasVowel(this.n - 3)) {
      this.n -= 3;
      return true;
    }
    return false;
  }

  private step1b2(): boolean {
    for (const [suffix, output] of [
      ["at", "ate"],
      ["bl", "ble"],
      ["iz", "ize"],
    ] as const) {
      if (this.buf[this.n - 2] === suffix.charCodeAt(0) && this.endsWith(suffix)) {
        this.replace(2, output);
        return true;
      }
    }
    return false;
  }

  private apply(rules: Record<string, readonly Rule[]>): void {
    const next = this.buf[this.n - 2];
    if (next === undefined || next < a || next > a + 25) return;
    for (const [suffix, output, condition] of rules[String.fromCharCode(next)] ?? []) {
      if (!this.endsWith(suffix)) continue;
      const stem = this.n - suffix.length;
      const holds =
        condition === "m>0"
          ? this.mGt0(stem)
          : condition === "m>1"
            ? this.mGt1(stem)
            : (this.buf[stem - 1] === code("s") || this.buf[stem - 1] === code("t")) && this.mGt1(stem);
      if (holds) this.replace(suffix.length, output);
      return;
    }
  }

  /** fts5PorterGobbleVC: past the first vowel-then-consonant run from `from`, or 0 when none. */
  private gobble(from: number, end: number, previousConsonant: boolean): number {
    let consonant = previousConsonant;
    let index = from;
    for (; index < end; index++) {
      consonant = !isVowelByte(this.buf[index]!, consonant);
      if (!consonant) break;
    }
    for (index++; index < end; index++) {
      consonant = !isVowelByte(this.buf[index]!, consonant);
      if (consonant) return index + 1;
    }
    return 0;
  }

  private mGt0(stem: number): boolean {
    return this.gobble(0, stem, false) !== 0;
  }

  private mGt1(stem: number): boolean {
    const first = this.gobble(0, stem, false);
    return first !== 0 && this.gobble(first, stem, true) !== 0;
  }

  private mEq1(from: number, stem: number): boolean {
    const first = this.gobble(from, stem, false);
    return first !== 0 && this.gobble(first, stem, true) === 0;
  }

  /** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
  private oStar(stem: number): boolean {
    const last = this.buf[stem - 1];
    if (last === code("w") || last === code("x") || last === code("y")) return false;
    let mask = 0;
    let consonant = false;
    for (let index = 0; index < stem; index++) {
      consonant = !isVowelByte(this.buf[index]!, consonant);
      mask = ((mask << 1) + (consonant ? 1 : 0)) | 0;
    }
    return (mask & 7) === 5;
  }

  /** *v*: a vowel in the stem (y counts after the first letter). */
  private hasVowel(stem: number): boolean {
    for (let index = 0; index < stem; index++) if (isVowelByte(this.buf[index]!, index > 0)) return true;
    return false;
  }
}
