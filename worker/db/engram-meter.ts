import type { D1Database } from "@cloudflare/workers-types/index";
import type { Compilable } from "kysely";
import { runBatch } from "./batch";

type RowsOf<Q extends readonly Compilable<unknown>[]> = {
  -readonly [K in keyof Q]: Q[K] extends Compilable<infer Row> ? Row[] : never;
};

/**
 * Runs kysely queries as D1 batches (one round trip, one transaction each) and counts what they
 * cost: D1's own `rows_read` per statement, statements and round trips. Recall reports the sums, so
 * the benchmark and tests can hold it to its budget of rows.
 */
export class QueryMeter {
  rowsRead = 0;
  statements = 0;
  roundTrips = 0;
  /** Time waiting for D1 (the isolate's clock: whole milliseconds when run locally). */
  waitedMs = 0;
  /** Of that, D1's own time running the statements (its `meta.duration`), the rest being transport. */
  sqlMs = 0;

  constructor(readonly d1: D1Database) {}

  async run<const Q extends readonly Compilable<unknown>[]>(queries: Q): Promise<RowsOf<Q>> {
    if (queries.length === 0) return [] as unknown as RowsOf<Q>;
    const started = performance.now();
    const results = await runBatch(this.d1, queries);
    this.waitedMs += performance.now() - started;
    this.roundTrips += 1;
    this.statements += queries.length;
    for (const result of results) {
      this.rowsRead += result.meta?.rows_read ?? 0;
      this.sqlMs += result.meta?.duration ?? 0;
    }
    return results.map((result) => result.results) as unknown as RowsOf<Q>;
  }

  /**
   * The same for named queries, some of them absent, some lists of statements: one round trip,
   * results under the same names (a list's rows joined in order).
   */
  async runNamed<const N extends Record<string, Named>>(queries: N): Promise<NamedRowsOf<N>> {
    const names = Object.keys(queries).filter((name) => queries[name] !== undefined);
    const lists = names.map((name) => [queries[name]!].flat() as Compilable<unknown>[]);
    const results = await this.run(lists.flat());
    let next = 0;
    return Object.fromEntries(
      names.map((name, index) => {
        const count = lists[index]!.length;
        next += count;
        const rows = results.slice(next - count, next) as unknown[][];
        return [name, Array.isArray(queries[name]) ? rows.flat() : rows[0]];
      }),
    ) as NamedRowsOf<N>;
  }
}

type Named = Compilable<unknown> | readonly Compilable<unknown>[] | undefined;
type NamedRowsOf<N extends Record<string, Named>> = { [K in keyof N]: RowsOfQuery<N[K]> };
/** Distributes over a union of queries (`a ? query1 : query2`). */
type RowsOfQuery<Q> =
  Q extends Compilable<infer Row> ? Row[] : Q extends readonly Compilable<infer Row>[] ? Row[] : undefined;
