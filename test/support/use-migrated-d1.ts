import type { D1Database } from "@cloudflare/workers-types/index";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll } from "vitest";
import { applyLocalMigrations } from "../../cli/local-d1";
import { createDb, type Db } from "../../worker/db/database";

export interface MigratedD1 {
  /** The binding, for raw statements and batches. */
  d1(): D1Database;
  /** kysely over it, as the worker builds it. */
  db(): Db;
}

/**
 * A local D1 (SQLite in workerd, in memory) with schema/ applied as `npm start` applies it, and no
 * worker in front: the queries of worker/db/ are called on it directly. One per calling test file,
 * started before its tests and disposed after.
 */
export function useMigratedD1(): MigratedD1 {
  let miniflare: Miniflare | undefined;
  let d1: D1Database | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    miniflare = new Miniflare({
      modules: true,
      script: "export default { fetch: () => new Response(null, { status: 404 }) };",
      d1Databases: { DB: "sos-query-tests" },
    });
    d1 = (await miniflare.getD1Database("DB")) as unknown as D1Database;
    await applyLocalMigrations(d1);
    db = createDb(d1);
  });
  afterAll(async () => {
    await miniflare?.dispose();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the database is not started (use it inside tests)");
    return value;
  };
  return { d1: () => started(d1), db: () => started(db) };
}
