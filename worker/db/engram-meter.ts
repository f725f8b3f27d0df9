import type { D1Database } from "@cloudflare/workers-types/index";
import type { Compilable } from "kysely";

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

  constructor(readonly d1: D1Database) {}

  async run<const Q extends readonly Compilable<unknown>[]>(queries: Q): Promise<RowsOf<Q>> {
    if (queries.length === 0) return [] as unknown as RowsOf<Q>;
    const statements = queries.map((query) => {
      const compiled = query.compile();
      return this.d1.prepare(compiled.sql).bind(...compiled.parameters);
    });
    const started = performance.now();
    const results = await this.d1.batch<Record<string, unknown>>(statements);
    this.waitedMs += performance.now() - started;
    this.roundTrips += 1;
    this.statements += statements.length;
    for (const result of results) this.rowsRead += result.meta?.rows_read ?? 0;
    return results.map((result) => result.results) as unknown as RowsOf<Q>;
  }

  /** The same for named queries, some of them absent: one round trip, results under the same names. */
  async runNamed<const N extends Record<string, Compilable<unknown> | undefined>>(queries: N): Promise<NamedRowsOf<N>> {
    const names = Object.keys(queries).filter((name) => queries[name] !== undefined);
    const results = await this.run(names.map((name) => queries[name]!));
    return Object.fromEntries(names.map((name, index) => [name, results[index]])) as NamedRowsOf<N>;
  }
}

type NamedRowsOf<N extends Record<string, Compilable<unknown> | undefined>> = { [K in keyof N]: RowsOfQuery<N[K]> };
/** Distributes over a union of queries (`a ? query1 : query2`). */
type RowsOfQuery<Q> = Q extends Compilable<infer Row> ? Row[] : undefined;
