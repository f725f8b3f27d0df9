import type { EngramRow } from "../db/engram-queries";
import { QueryMeter } from "../db/engram-meter";
import { engramsByRowidQueries, touchByRowidQueries, type RowidEngramRow } from "../db/engram-recall-queries";
import { nowTimestamp } from "../db/timestamps";
import type { RecallRequest } from "./hybrid-recall";
import { logMemoryFailure, type Memory } from "./memory-context";

/** Hybrid recall's engram rows (hybrid-recall.ts): the best candidates' engrams in scope, marked accessed. */

/**
 * The best candidates' engrams, in rank order: those the first round trip brought are used as they
 * are, the others read (one indexed row each). Rows gone or out of scope are skipped and the next
 * candidates taken instead, a bounded number of times.
 */
export async function readBest(
  meter: QueryMeter,
  memory: Memory,
  request: RecallRequest,
  ranked: number[],
  known: Map<number, RowidEngramRow>,
): Promise<RowidEngramRow[]> {
  const rows: RowidEngramRow[] = [];
  let next = 0;
  const at = nowTimestamp();
  for (let round = 0; round < 3 && rows.length < request.limit && next < ranked.length; round++) {
    const wanted = ranked.slice(next, next + request.limit - rows.length);
    next += wanted.length;
    const missing = wanted.filter((rowid) => !known.has(rowid));
    if (missing.length > 0) {
      for (const row of (await meter.run(engramsByRowidQueries(memory.db, missing))).flat() as RowidEngramRow[]) {
        known.set(row.rowid, row);
      }
    }
    for (const rowid of wanted) {
      const row = known.get(rowid);
      if (row && inScope(row, request)) rows.push({ ...row, accessed_at: at });
    }
  }
  return rows;
}

/** Marks the results accessed (their `accessed_at` in the answer already says so). */
export async function touch(memory: Memory, request: RecallRequest, rows: RowidEngramRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const meter = new QueryMeter(memory.d1);
  const filter = { agent: request.agent, ...optionalContext(request) };
  try {
    await meter.run(
      touchByRowidQueries(
        memory.db,
        rows.map((row) => row.rowid),
        rows[0]!.accessed_at!,
        filter,
      ),
    );
  } catch (error) {
    logMemoryFailure("memory_touch_failed", error);
  }
  return meter.rowsRead;
}

export function inScope(row: EngramRow, request: RecallRequest): boolean {
  if (request.agent !== null && row.agent !== request.agent) return false;
  return request.contextId === undefined || row.context_id === request.contextId;
}

export function optionalContext(request: RecallRequest): { contextId?: string } {
  return request.contextId === undefined ? {} : { contextId: request.contextId };
}
