import type BetterSqlite3 from "better-sqlite3";
import { firstKeyword, splitSqlStatements } from "./cloudflare-emulator-d1-split";

/**
 * Runs one D1 `/query` or `/raw` request the way D1 does: every statement of every batch entry in
 * order, all inside one transaction, so a failing statement leaves nothing of the request behind
 * (wrangler's `migrations apply` and our migration resource rely on that), and one result per statement.
 */

export interface D1Query {
  sql: string;
  params?: unknown[];
}

/** `/query` answers rows as objects, `/raw` as column names plus arrays. */
export type ResultForm = "objects" | "raw";

/** The `meta` D1 reports per statement (Cloudflare API reference, "Query D1 Database"). */
export interface D1Meta {
  served_by: string;
  served_by_region: string;
  served_by_primary: boolean;
  timings: { sql_duration_ms: number };
  duration: number;
  changes: number;
  last_row_id: number;
  changed_db: boolean;
  size_after: number;
  rows_read: number;
  rows_written: number;
}

export type Row = Record<string, unknown>;

export interface D1StatementResult {
  results: Row[] | { columns: string[]; rows: unknown[][] };
  success: true;
  meta: D1Meta;
}

/** A failure as D1 words it, e.g. `near "SELEC": syntax error at offset 0: SQLITE_ERROR`. */
export class D1SqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "D1SqlError";
  }
}

/**
 * workerd's refusal (SqlStorage::allowTransactions), which D1 remote answers for BEGIN, COMMIT,
 * ROLLBACK, SAVEPOINT and RELEASE: D1 wraps each request in a transaction of its own.
 */
export const transactionRefusal =
  "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs " +
  "instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will " +
  "automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic " +
  "write coalescing.";

const transactionKeywords = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]);

/** Runs the request; throws {@link D1SqlError} (after rolling back) if any statement fails. */
export function runD1Request(
  db: BetterSqlite3.Database,
  queries: D1Query[],
  form: ResultForm,
): { results: D1StatementResult[]; changedDb: boolean } {
  const probe = db.prepare(
    "SELECT total_changes() AS changes, (SELECT schema_version FROM pragma_schema_version) AS schema",
  );
  const size = db.prepare("SELECT page_count * page_size AS size FROM pragma_page_count, pragma_page_size");
  const lastRowId = db.prepare("SELECT last_insert_rowid() AS id");
  const results: D1StatementResult[] = [];
  const run = db.transaction(() => {
    for (const query of queries) {
      const statements = splitSqlStatements(query.sql);
      statements.forEach((statement, index) => {
        // Parameters belong to the last statement of an entry, as in workerd's multi-statement exec.
        const params = index === statements.length - 1 ? (query.params ?? []) : [];
        const before = probe.get() as { changes: number; schema: number };
        const started = performance.now();
        const outcome = runStatement(db, statement, params, form);
        const duration = performance.now() - started;
        const after = probe.get() as { changes: number; schema: number };
        const changedDb = after.changes !== before.changes || after.schema !== before.schema;
        results.push({
          results: outcome.results,
          success: true,
          meta: {
            served_by: "v3-prod",
            served_by_region: "WEUR",
            served_by_primary: true,
            timings: { sql_duration_ms: duration },
            duration,
            // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE through a CREATE TABLE,
            // so it only counts when rows did change; a reader (INSERT ... RETURNING) has only the total.
            changes: after.changes === before.changes ? 0 : (outcome.changes ?? after.changes - before.changes),
            last_row_id: (lastRowId.get() as { id: number }).id,
            changed_db: changedDb,
            size_after: (size.get() as { size: number }).size,
            // SQLite does not tell better-sqlite3 how many rows a statement scanned: rows returned
            // and rows changed (triggers included) stand in for D1's counters.
            rows_read: outcome.rowsReturned,
            rows_written: after.changes - before.changes,
          },
        });
      });
    }
  });
  try {
    run();
  } catch (error) {
    throw toD1Error(error);
  }
  return { results, changedDb: results.some((result) => result.meta.changed_db) };
}

function runStatement(
  db: BetterSqlite3.Database,
  sql: string,
  params: unknown[],
  form: ResultForm,
): { results: D1StatementResult["results"]; changes?: number; rowsReturned: number } {
  if (transactionKeywords.has(firstKeyword(sql))) throw new D1SqlError(transactionRefusal);
  const statement = prepare(db, sql);
  const bound = params.map(bindable);
  if (!statement.reader) {
    const info = statement.run(...bound);
    return { results: form === "raw" ? { columns: [], rows: [] } : [], changes: info.changes, rowsReturned: 0 };
  }
  if (form === "raw") {
    const columns = statement.columns().map((column) => column.name);
    const rows = (statement.raw(true).all(...bound) as unknown[][]).map((row) => row.map(jsonValue));
    return { results: { columns, rows }, rowsReturned: rows.length };
  }
  const rows = (statement.all(...bound) as Row[]).map((row) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, jsonValue(value)])),
  );
  return { results: rows, rowsReturned: rows.length };
}

/** Prepares one statement, giving syntax errors D1's "at offset N" (relative to the statement). */
function prepare(db: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  try {
    return db.prepare(sql);
  } catch (error) {
    const token =
      error instanceof Error ? /^(?:near "(.*)": syntax error|unrecognized token: "(.*)")$/s.exec(error.message) : null;
    if (token && error instanceof Error && "code" in error) {
      const offset = Math.max(0, sql.indexOf(token[1] ?? token[2]!));
      throw new D1SqlError(`${error.message} at offset ${offset}: ${primaryCode(String(error.code))}`);
    }
    throw error;
  }
}

/** D1's HTTP API binds strings and numbers (and null); booleans become 1/0 as in the Workers binding. */
function bindable(value: unknown): string | number | null {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new D1SqlError(`Type '${typeof value}' not supported for value '${JSON.stringify(value)}'`);
}

/** BLOBs travel as arrays of byte values in D1's JSON. */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return Array.from(value);
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** D1 ends SQLite's message with the primary result code: SQLITE_CONSTRAINT, not SQLITE_CONSTRAINT_UNIQUE. */
function primaryCode(code: string): string {
  return code.split("_").slice(0, 2).join("_");
}

function toD1Error(error: unknown): D1SqlError {
  if (error instanceof D1SqlError) return error;
  if (error instanceof RangeError && /parameter values/.test(error.message)) {
    return new D1SqlError("Wrong number of parameter bindings for SQL query.");
  }
  if (error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("SQLITE_")) {
    return new D1SqlError(`${error.message}: ${primaryCode(error.code)}`);
  }
  return new D1SqlError(error instanceof Error ? error.message : String(error));
}
