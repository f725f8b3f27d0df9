import type { D1Database } from "@cloudflare/workers-types/index";

/**
 * Inserts `count` engrams of `agent` in one statement: ids `seed-1` to `seed-<count>`, created one
 * second apart from 2026-01-01, each with the text `textOf` gives: an SQL expression of `i`, the
 * engram's number (a constant of the test, never input). The triggers index each one.
 */
export async function seedEngrams(d1: D1Database, count: number, agent: string, textOf: string): Promise<void> {
  await d1
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO engrams (id, agent, text, created_at)
       SELECT 'seed-' || i, ?, ${textOf}, datetime('2026-01-01', '+' || i || ' seconds') FROM n`,
    )
    .bind(count, agent)
    .run();
}
