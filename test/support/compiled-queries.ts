import type { D1Database } from "@cloudflare/workers-types/index";
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
} from "kysely";
import type { Database } from "../../worker/db/database";

/** Compiles with SQLite's compiler, as kysely-d1's dialect does, without executing anything. */
export const sqliteCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

/** Runs a compiled query on D1 as it stands: its rows, and the rows D1 read for them (`meta.rows_read`). */
export async function runCompiled<Row = Record<string, unknown>>(
  d1: D1Database,
  query: CompiledQuery,
): Promise<{ rows: Row[]; rowsRead: number }> {
  const result = await d1
    .prepare(query.sql)
    .bind(...query.parameters)
    .all<Row>();
  return { rows: result.results, rowsRead: result.meta.rows_read };
}
