import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  maxStatementBytes,
  migrationFile,
  migrationRequestSql,
  planMigrations,
  readMigrationFiles,
} from "../../stack/migration-plan";
import { schemaDir } from "../../stack/paths";

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-plan-"));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("migration files", () => {
  it("reads NNNN_name.sql in numeric order, as wrangler orders them", () => {
    const dir = folderWith({ "10_late.sql": "SELECT 10;", "0002_b.sql": "SELECT 2;", "0001_a.sql": "SELECT 1;", "notes.txt": "x" });
    expect(readMigrationFiles(dir).map((file) => file.name)).toEqual(["0001_a.sql", "0002_b.sql", "10_late.sql"]);
  });

  it("refuses a file not named NNNN_name.sql", () => {
    expect(() => readMigrationFiles(folderWith({ "init.sql": "SELECT 1;" }))).toThrow(/init\.sql: migration files are named NNNN_name\.sql/);
  });

  it("normalises CRLF to LF, so the checksum does not depend on the checkout", () => {
    const lf = migrationFile("0001_a.sql", "CREATE TABLE a (x);\nCREATE TABLE b (y);\n");
    const crlf = migrationFile("0001_a.sql", "CREATE TABLE a (x);\r\nCREATE TABLE b (y);\r\n");
    expect(crlf.sql).toBe(lf.sql);
    expect(crlf.checksum).toBe(lf.checksum);
  });

  it.each([
    ["BEGIN TRANSACTION;\nCREATE TABLE a (x);\nCOMMIT;", "BEGIN"],
    ["CREATE TABLE a (x);\nCOMMIT;", "COMMIT"],
    ["CREATE TABLE a (x);\n  rollback;", "ROLLBACK"],
    ["SAVEPOINT s1;\nCREATE TABLE a (x);", "SAVEPOINT"],
    ["CREATE TABLE a (x);\nEND   TRANSACTION;", "END TRANSACTION"],
  ])("refuses transaction control: %j", (sql, keyword) => {
    expect(() => migrationFile("0001_tx.sql", sql)).toThrow(
      new RegExp(`0001_tx\\.sql: contains '${keyword}'.*refuses BEGIN/COMMIT/ROLLBACK`),
    );
  });

  it("accepts trigger bodies, and the words in comments and strings", () => {
    const sql = `-- BEGIN; COMMIT; in a comment
CREATE TABLE a (x TEXT);
CREATE TRIGGER a_ai AFTER INSERT ON a BEGIN
  INSERT INTO a (x) VALUES ('COMMIT; ROLLBACK;');
END;
/* ROLLBACK; */`;
    expect(() => migrationFile("0001_trigger.sql", sql)).not.toThrow();
  });

  it("refuses a statement over D1's 100 KB limit with advice to split it", () => {
    const big = `INSERT INTO a (x) VALUES ('${"y".repeat(maxStatementBytes)}');`;
    expect(() => migrationFile("0003_big.sql", big)).toThrow(/0003_big\.sql: a statement of \d+ bytes is over D1's 100000-byte limit.*split it/);
  });

  it("puts each file and its bookkeeping row into one request", () => {
    const file = migrationFile("0007_it's.sql", "CREATE TABLE a (x);");
    expect(migrationRequestSql(file)).toBe("CREATE TABLE a (x);\nINSERT INTO d1_migrations (name) VALUES ('0007_it''s.sql');");
  });

  it("the project's own schema passes every check", () => {
    const files = readMigrationFiles(schemaDir);
    expect(files[0]!.name).toBe("0001_init.sql");
  });
});

describe("migration plan", () => {
  const files = [migrationFile("0001_a.sql", "SELECT 1;"), migrationFile("0002_b.sql", "SELECT 2;")];

  it("lists what the database has not recorded, and what it recorded that no file here has", () => {
    expect(planMigrations(files, ["0001_a.sql", "0009_newer.sql"])).toEqual({
      pending: [files[1]],
      unknown: ["0009_newer.sql"],
    });
  });
});
