import { beforeAll, describe, expect, it } from "vitest";
import { QueryMeter } from "../../../worker/db/engram-meter";
import { changesSinceQuery, latestChangesQuery } from "../../../worker/db/engram-vector-queries";
import { useMigratedD1 } from "../../support/use-migrated-d1";

/**
 * The change-log reads of the vector cache: an isolate without a set asks for the scope's latest
 * changes (to bring a snapshot up to date), one with a set for the changes after its last.
 */
const store = useMigratedD1();

beforeAll(async () => {
  // Each engram inserted logs one change (a trigger creates its vector row); agents interleave.
  await store
    .d1()
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
       INSERT INTO engrams (id, agent, text) SELECT 'c-' || i, CASE WHEN i % 3 = 0 THEN 'lake' ELSE 'river' END,
         'change ' || i FROM n`,
    )
    .run();
});

/** The changes a query returns, and the rows D1 read for them. */
async function run(query: ReturnType<typeof latestChangesQuery | typeof changesSinceQuery>) {
  const meter = new QueryMeter(store.d1());
  const [rows] = await meter.run([query] as const);
  return { rows, rowsRead: meter.rowsRead };
}

describe("latestChangesQuery", () => {
  it("returns the scope's latest changes newest first, reading no more than it returns", async () => {
    const { rows, rowsRead } = await run(latestChangesQuery(store.db(), "lake", 5));
    const all = await store
      .d1()
      .prepare("SELECT seq FROM memory_changes WHERE agent = 'lake' ORDER BY seq DESC LIMIT 5")
      .all<{ seq: number }>();
    expect(rows.map((row) => row.seq)).toEqual(all.results.map((row) => row.seq));
    expect(rows).toHaveLength(5);
    expect(rowsRead).toBeLessThanOrEqual(5);
  });

  it("covers every agent for the scope of all of them", async () => {
    const { rows } = await run(latestChangesQuery(store.db(), null, 4));
    const latest = await store.d1().prepare("SELECT max(seq) AS seq FROM memory_changes").first<number>("seq");
    expect(rows.map((row) => row.seq)).toEqual([latest!, latest! - 1, latest! - 2, latest! - 3]);
  });

  it("holds the same changes as changesSinceQuery once filtered past a point", async () => {
    const latest = (await run(latestChangesQuery(store.db(), "river", 10))).rows;
    const since = (await run(changesSinceQuery(store.db(), "river", latest[4]!.seq, 100))).rows;
    expect(since).toEqual(latest.slice(0, 4).reverse());
  });
});
