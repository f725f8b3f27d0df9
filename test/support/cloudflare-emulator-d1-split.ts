/**
 * Splits a D1 request's `sql` into statements, as D1 does before running them one by one
 * (better-sqlite3, like SQLite's prepare, takes one statement at a time).
 *
 * The rule is SQLite's own `sqlite3_complete()`: a `;` ends a statement unless it is inside a string,
 * a quoted identifier or a comment, or inside a `CREATE TRIGGER ... BEGIN ... END` body, where only
 * `END;` closes it. Porting that state machine (rather than asking SQLite whether a prefix is
 * "incomplete input") splits the whole request up front, independent of the schema the earlier
 * statements create.
 */

type Token = "semi" | "space" | "other" | "explain" | "create" | "temp" | "trigger" | "end";

const tokenColumn: Record<Token, number> = {
  semi: 0,
  space: 1,
  other: 2,
  explain: 3,
  create: 4,
  temp: 5,
  trigger: 6,
  end: 7,
};

/**
 * sqlite3_complete()'s transition table. States: 0 invalid, 1 start (a statement just ended),
 * 2 normal, 3 explain, 4 create, 5 trigger body, 6 semicolon in a trigger body, 7 END in a trigger body.
 */
const transitions: number[][] = [
  /*              semi space other explain create temp trigger end */
  /* 0 invalid */ [1, 0, 2, 3, 4, 2, 2, 2],
  /* 1 start   */ [1, 1, 2, 3, 4, 2, 2, 2],
  /* 2 normal  */ [1, 2, 2, 2, 2, 2, 2, 2],
  /* 3 explain */ [1, 3, 3, 2, 4, 2, 2, 2],
  /* 4 create  */ [1, 4, 2, 2, 2, 4, 5, 2],
  /* 5 trigger */ [6, 5, 5, 5, 5, 5, 5, 5],
  /* 6 semi    */ [6, 6, 5, 5, 5, 5, 5, 7],
  /* 7 end     */ [1, 7, 5, 5, 5, 5, 5, 5],
];

const keywords: Record<string, Token> = {
  explain: "explain",
  create: "create",
  temp: "temp",
  temporary: "temp",
  trigger: "trigger",
  end: "end",
};

/**
 * The statements of `sql` in order, each from its first token to its closing `;` (kept), comments
 * and blank space between statements dropped. A trailing statement without `;` is kept as it is,
 * so that preparing it reports SQLite's own error (e.g. "incomplete input" for an unfinished trigger).
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let state = 0;
  let start = -1;
  let index = 0;
  while (index < sql.length) {
    const [token, end] = nextToken(sql, index);
    if (start < 0 && token !== "space" && token !== "semi") start = index;
    state = transitions[state]![tokenColumn[token]]!;
    index = end;
    if (state === 1 && token === "semi") {
      if (start >= 0) statements.push(sql.slice(start, end));
      start = -1;
    }
  }
  if (start >= 0) statements.push(sql.slice(start).trimEnd());
  return statements;
}

/** The token at `index` and the index just past it. Unterminated strings and comments run to the end. */
function nextToken(sql: string, index: number): [Token, number] {
  const char = sql[index]!;
  if (char === ";") return ["semi", index + 1];
  if (/\s/.test(char)) {
    let end = index + 1;
    while (end < sql.length && /\s/.test(sql[end]!)) end++;
    return ["space", end];
  }
  if (char === "-" && sql[index + 1] === "-") {
    const newline = sql.indexOf("\n", index);
    return ["space", newline < 0 ? sql.length : newline + 1];
  }
  if (char === "/" && sql[index + 1] === "*") {
    const close = sql.indexOf("*/", index + 2);
    return ["space", close < 0 ? sql.length : close + 2];
  }
  if (char === "'" || char === '"' || char === "`" || char === "[") {
    // A doubled quote inside a string ('it''s') simply reads as two adjacent strings: same split.
    const close = sql.indexOf(char === "[" ? "]" : char, index + 1);
    return ["other", close < 0 ? sql.length : close + 1];
  }
  if (/[A-Za-z0-9_$\u0080-\uffff]/.test(char)) {
    let end = index + 1;
    while (end < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[end]!)) end++;
    return [keywords[sql.slice(index, end).toLowerCase()] ?? "other", end];
  }
  return ["other", index + 1];
}

/** The statement's first keyword, upper-cased (statements from {@link splitSqlStatements} start with it). */
export function firstKeyword(statement: string): string {
  return /^[A-Za-z]+/.exec(statement)?.[0]?.toUpperCase() ?? "";
}
