import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The migration rules shared by the D1 migration resource (remote) and `npm start` (local D1):
 * wrangler's file naming and bookkeeping table, so `wrangler d1 migrations apply` and this project
 * can be mixed on one database.
 */

/** wrangler's bookkeeping table, created exactly as wrangler creates it. */
export const migrationsTable = "d1_migrations";
export const createMigrationsTableSql = `CREATE TABLE IF NOT EXISTS ${migrationsTable}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`;
export const listAppliedSql = `SELECT name FROM ${migrationsTable} ORDER BY id`;

/** D1's limit on one SQL statement. */
export const maxStatementBytes = 100_000;

export interface MigrationFile {
  /** The file name, e.g. `0001_init.sql`: the key in `d1_migrations`, as wrangler records it. */
  name: string;
  /** The file's text with CRLF normalised to LF. */
  sql: string;
  /** Hex sha256 of `sql`. */
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

const fileNamePattern = /^(\d+)_[A-Za-z0-9_.-]+\.sql$/;

/** Reads `NNNN_name.sql` files in numeric order; refuses a file D1 would fail on halfway. */
export function readMigrationFiles(dir: string): MigrationFile[] {
  const names = readdirSync(dir).filter((name) => name.endsWith(".sql"));
  for (const name of names) {
    if (!fileNamePattern.test(name)) {
      throw new MigrationError(`${path.join(dir, name)}: migration files are named NNNN_name.sql`);
    }
  }
  return inRunOrder(names).map((name) => migrationFile(name, readFileSync(path.join(dir, name), "utf8")));
}

/** Migration file names in the order they run: by their number, as wrangler orders them. */
export function inRunOrder(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => migrationNumber(a) - migrationNumber(b) || (a < b ? -1 : 1));
}

/** Normalises and checks one file's text. */
export function migrationFile(name: string, text: string): MigrationFile {
  const sql = text.replace(/\r\n?/g, "\n");
  checkMigrationSql(name, sql);
  return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
}

function migrationNumber(name: string): number {
  return Number.parseInt(name.split("_")[0]!, 10);
}

/**
 * D1 runs each request in a transaction of its own, so a file that opens or ends one fails remotely
 * (locally it passes); and D1 refuses a statement over 100 KB.
 */
function checkMigrationSql(name: string, sql: string): void {
  const code = stripCommentsAndStrings(sql);
  // A trigger body's BEGIN never starts a statement, and its bare END is not END TRANSACTION.
  const transactional = /(^|;)\s*(BEGIN|COMMIT|END\s+TRANSACTION|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
  const match = transactional.exec(code);
  if (match) {
    throw new MigrationError(
      `${name}: contains '${match[2]!.replace(/\s+/g, " ").toUpperCase()}'. D1 runs each migration file in a transaction of its own ` +
        "and refuses BEGIN/COMMIT/ROLLBACK; remove them (the file is still applied all or nothing).",
    );
  }
  for (const statement of code.split(";")) {
    const bytes = Buffer.byteLength(statement, "utf8");
    if (bytes > maxStatementBytes) {
      throw new MigrationError(
        `${name}: a statement of ${bytes} bytes is over D1's ${maxStatementBytes}-byte limit per statement; ` +
          "split it (for example one INSERT per batch of rows).",
      );
    }
  }
}

/** Blanks out comments and quoted text (keeping their length), so keywords are only found in code. */
function stripCommentsAndStrings(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]/g, (part) =>
    part.replace(/[^\n]/g, " "),
  );
}

/** One request's SQL: the file, then its bookkeeping row, so D1 applies both or neither. */
export function migrationRequestSql(file: MigrationFile): string {
  return `${file.sql}\nINSERT INTO ${migrationsTable} (name) VALUES ('${file.name.replace(/'/g, "''")}');`;
}

export interface MigrationPlan {
  /** Files not yet in `d1_migrations`, in the order they will run. */
  pending: MigrationFile[];
  /** Names in `d1_migrations` with no file here (applied by a newer release, or removed). */
  unknown: string[];
}

/**
 * Compares the files with what the database recorded. (Only the stack keeps the checksum of what it
 * applied, so only the migration resource can tell an edited applied file; see d1-migrations.ts.)
 */
export function planMigrations(files: MigrationFile[], appliedNames: string[]): MigrationPlan {
  const applied = new Set(appliedNames);
  const names = new Set(files.map((file) => file.name));
  return {
    pending: files.filter((file) => !applied.has(file.name)),
    unknown: appliedNames.filter((name) => !names.has(name)),
  };
}
