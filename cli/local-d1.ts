import { schemaDir } from "../stack/paths";
import {
  createMigrationsTableSql,
  listAppliedSql,
  migrationRequestSql,
  planMigrations,
  readMigrationFiles,
} from "../stack/migration-plan";

/** The part of a D1 binding (miniflare's, in Node) that applying migrations needs. */
export interface D1Like {
  prepare(sql: string): {
    run(): Promise<unknown>;
    all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  };
}

/**
 * Applies schema/ to a local D1 with the same plan as the stack's resource: wrangler's bookkeeping
 * table, numeric order, each file and its bookkeeping row in one request (D1 runs a request in one
 * transaction, locally too). Returns the names applied now.
 */
export async function applyLocalMigrations(
  db: D1Like,
  log: (line: string) => void = () => {},
  dir: string = schemaDir,
): Promise<string[]> {
  const files = readMigrationFiles(dir);
  await db.prepare(createMigrationsTableSql).run();
  const applied = await db.prepare(listAppliedSql).all<{ name: string }>();
  const plan = planMigrations(
    files,
    applied.results.map((row) => row.name),
  );
  if (plan.unknown.length > 0) {
    log(`the local database has migrations this checkout lacks (${plan.unknown.join(", ")}); it was made by a newer version`);
  }
  for (const file of plan.pending) {
    log(`applying migration ${file.name}`);
    await db.prepare(migrationRequestSql(file)).run();
  }
  return plan.pending.map((file) => file.name);
}
