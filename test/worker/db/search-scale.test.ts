import { CompiledQuery } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { textCandidatesQuery } from "../../../worker/db/engram-recall-queries";
import { searchEngramsQuery } from "../../../worker/db/engram-search";
import { ftsMatchExpression, lookedUpTerms, queryTerms } from "../../../worker/memory/fts-query";
import { maxTextCandidates, maxTextPulled } from "../../../worker/memory/hybrid-recall";
import { runCompiled, sqliteCompiler } from "../../support/compiled-queries";
import { seedEngrams } from "../../support/seed-engrams";
import { testAgentId, useWorker } from "../../support/worker-harness";

const harness = useWorker();
const total = 5_000;

/** The full-text statement hybrid recall runs for `query` (its text list), compiled. */
function recallTextQuery(query: string) {
  const { looked, rest } = lookedUpTerms(queryTerms(query));
  return textCandidatesQuery(sqliteCompiler, {
    terms: looked,
    rest,
    maxCandidates: maxTextCandidates,
    agent: testAgentId,
    limit: 10,
    deep: maxTextPulled,
  }).compile();
}

async function rowsRead(query: CompiledQuery): Promise<{ rows: number; rowsRead: number }> {
  const { rows, rowsRead } = await runCompiled(await harness.d1(), query);
  return { rows: rows.length, rowsRead };
}

beforeAll(async () => {
  // 5,000 engrams, 5 of them mentioning a zebra.
  await seedEngrams(
    await harness.d1(),
    total,
    testAgentId,
    `'memory number ' || i || ' about ' ||
       CASE WHEN i % 1000 = 0 THEN 'a zebra at the zoo' ELSE 'ordinary daily things' END`,
  );
});

describe("search over 5,000 engrams", () => {
  it("holds them all", async () => {
    const d1 = await harness.d1();
    expect(await d1.prepare("SELECT count(*) AS n FROM engrams").first("n")).toBe(total);
  });

  it("returns the matches through the route", async () => {
    const response = await harness.request("POST", "/api/memories/search", { query: "zebra" });
    expect(response.status).toBe(200);
    expect(response.body.results).toHaveLength(5);
  });

  it("reads a bounded number of rows with the route's own query, where a scan reads them all", async () => {
    // The full-text query POST /api/memories/search runs for {query: "zebra"} (hybrid recall's text list).
    const indexed = await rowsRead(recallTextQuery("zebra"));
    expect(indexed.rows).toBe(5);
    expect(indexed.rowsRead).toBeLessThan(50);

    // The same question by scanning: proves meta.rows_read counts what a full scan costs here.
    const scan = await rowsRead(CompiledQuery.raw("SELECT id FROM engrams WHERE text LIKE '%zebra%'", []));
    expect(scan.rows).toBe(5);
    expect(scan.rowsRead).toBeGreaterThanOrEqual(total);
  });

  it("finds candidates by the rare word when another is in nearly every engram, reading a few rows", async () => {
    const result = await rowsRead(recallTextQuery("ordinary zebra"));
    expect(result.rows).toBe(5);
    expect(result.rowsRead).toBeLessThan(50);
  });

  it("reads at most the matching rows when a word is everywhere, within an agent's context", async () => {
    // A context's search joins the engrams (searchEngramsQuery's shape): bounded by the matches.
    const search = searchEngramsQuery(sqliteCompiler, {
      match: ftsMatchExpression("ordinary")!,
      agent: testAgentId,
      limit: 10,
    }).compile();
    const common = await rowsRead(search);
    expect(common.rows).toBe(10);
    // Per match: its index entry, its length (bm25 needs it) and its engram; never more than that.
    expect(common.rowsRead).toBeLessThanOrEqual(3 * (total - 5) + 20);
  });
});
