import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { firstKeyword, splitSqlStatements } from "./cloudflare-emulator-d1-split";

describe("splitSqlStatements", () => {
  it("splits at semicolons and drops blank space and comments between statements", () => {
    expect(splitSqlStatements("SELECT 1;\n  -- note\nSELECT 2 ;;  /* done */ ")).toEqual(["SELECT 1;", "SELECT 2 ;"]);
  });

  it("keeps semicolons inside strings, quoted identifiers and comments", () => {
    const sql = `INSERT INTO t VALUES ('a;b', 'it''s; fine');\nSELECT "x;y", \`p;q\`, [r;s] FROM t -- trailing; comment\n;\nSELECT /* ; */ 3;`;
    expect(splitSqlStatements(sql)).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine');",
      'SELECT "x;y", `p;q`, [r;s] FROM t -- trailing; comment\n;',
      "SELECT /* ; */ 3;",
    ]);
  });

  it("keeps a trigger body, CASE ... END and all, as one statement", () => {
    const trigger = `CREATE TEMP TRIGGER IF NOT EXISTS t_ai AFTER INSERT ON t BEGIN
  INSERT INTO log VALUES (CASE WHEN new.a > 1 THEN 'big' ELSE 'small' END);
  UPDATE t SET a = a + 1 WHERE rowid = new.rowid;
END;`;
    expect(splitSqlStatements(`CREATE TABLE t(a);\n${trigger}\nSELECT 1;`)).toEqual([
      "CREATE TABLE t(a);",
      trigger,
      "SELECT 1;",
    ]);
  });

  it("does not mistake an `end` column or a CREATE TABLE for a trigger", () => {
    expect(splitSqlStatements('CREATE TABLE e("end" TEXT, trigger TEXT); SELECT end FROM e;')).toEqual([
      'CREATE TABLE e("end" TEXT, trigger TEXT);',
      "SELECT end FROM e;",
    ]);
  });

  it("keeps a last statement without semicolon, and an unfinished trigger for SQLite to refuse", () => {
    expect(splitSqlStatements("SELECT 1; SELECT 2  \n")).toEqual(["SELECT 1;", "SELECT 2"]);
    const [unfinished] = splitSqlStatements("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;");
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(a)");
    expect(() => db.prepare(unfinished!)).toThrow("incomplete input");
    db.close();
  });

  it("returns nothing for a request of only comments", () => {
    expect(splitSqlStatements("-- nothing; here\n/* or; here */")).toEqual([]);
  });
});

describe("firstKeyword", () => {
  it("reads the leading keyword in upper case", () => {
    expect(firstKeyword("begin transaction;")).toBe("BEGIN");
    expect(firstKeyword("CREATE TRIGGER t BEGIN SELECT 1; END;")).toBe("CREATE");
  });
});
