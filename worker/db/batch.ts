import type { D1Database, D1Result } from "@cloudflare/workers-types/index";
import type { Compilable } from "kysely";

/**
 * Runs kysely queries as one D1 batch: D1 executes a batch as a single transaction, so a
 * multi-statement write lands completely or not at all.
 */
export async function runBatch(
  d1: D1Database,
  queries: readonly Compilable[],
): Promise<D1Result<Record<string, unknown>>[]> {
  const statements = queries.map((query) => {
    const compiled = query.compile();
    return d1.prepare(compiled.sql).bind(...compiled.parameters);
  });
  return d1.batch<Record<string, unknown>>(statements);
}
