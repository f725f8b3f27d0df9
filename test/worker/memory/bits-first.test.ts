import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embed } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { testAgentId, useWorker } from "../../support/worker-harness";
import { basis, dims, mix, waitFor } from "../../support/memory-vectors";

/**
 * A vector set of more than one page of int8 vectors (5,000) is loaded sign bits first: the recall
 * that loads it reads the int8 vectors of its candidates only, and the rest follow a page per
 * recall, in the recalls' background (test/worker/memory/sign-page.test.ts). Here 6,000 seeded engrams (random vectors, written straight to D1) and one stored
 * through the API: the cold recall must rank as the warm recalls after the fill, and once the fill
 * is done a recall is warm again: one round trip, within the rows budget.
 */
const { vendors, egress } = useFakeVendors();

const harness = useWorker({ EMBEDDING_PROVIDER: "openai", OPENAI_API_KEY: "sk-bits-first-0001" }, () => ({
  outbound: (request) => egress().outbound(request),
}));

const seeded = 6_000;
let planted: string;

interface Found {
  ranking: { id: string; similarity: number | null }[];
  cache: string;
  rowsRead: number;
  roundTrips: number;
}

async function searchNear(vector: number[]): Promise<Found> {
  vendors().openai.script(embed([vector]));
  const response = await harness.request("POST", "/api/memories/search", { query: "qqq", limit: 5 });
  expect(response.status, response.text).toBe(200);
  return {
    ranking: (response.body.results as { id: string; similarity: number | null }[]).map(({ id, similarity }) => ({
      id,
      similarity,
    })),
    cache: response.body.recall.cache,
    rowsRead: response.body.recall.rows_read,
    roundTrips: response.body.recall.round_trips,
  };
}

beforeEach(() => {
  vendors().reset();
});

beforeAll(async () => {
  vendors().openai.script(embed([basis(0)]));
  const stored = await harness.request("POST", "/api/memories", { text: "the planted memory", core_concepts: [] });
  expect(stored.status, stored.text).toBe(201);
  planted = stored.body.id;
  const model = (
    await (await harness.d1()).prepare("SELECT model FROM engram_vectors WHERE model != ''").first<{ model: string }>()
  )!.model;
  const d1 = await harness.d1();
  await d1
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO engrams (id, agent, text, created_at)
       SELECT 'seed-' || i, ?, 'seeded memory ' || i, datetime('2026-01-01', '+' || i || ' seconds') FROM n`,
    )
    .bind(seeded, testAgentId)
    .run();
  // Random int8 vectors (and sign bits) of the model's dimensions for every seeded engram.
  await d1
    .prepare(
      `UPDATE engram_vectors SET model = ?, dims = ?, bits = randomblob(1) || zeroblob(3), q8 = randomblob(?),
         scale = 0.01, embedded_at = datetime('now')
       WHERE engram_rowid IN (SELECT rowid FROM engrams WHERE id LIKE 'seed-%')`,
    )
    .bind(model, dims, dims)
    .run();
});

describe("a vector set loaded sign bits first", () => {
  it("ranks the cold recall as the warm ones after the fill, then answers warm in one round trip", async () => {
    const query = mix(basis(0), basis(1), 0.95);
    const cold = await searchNear(query);
    expect(cold.cache).toBe("cold");
    expect(cold.ranking[0]!.id).toBe(planted);
    expect(cold.ranking).toHaveLength(5);

    const warm = await waitFor(async () => {
      const found = await searchNear(query);
      return found.roundTrips === 1 && found;
    }, "a warm one-trip recall once the int8 vectors have followed");
    expect(warm.cache).toBe("warm");
    expect(warm.ranking).toEqual(cold.ranking);
    expect(warm.rowsRead + warm.ranking.length).toBeLessThanOrEqual(3 * 5 + 10);

    const d1 = await harness.d1();
    expect(await d1.prepare("SELECT count(*) AS n FROM engram_vectors WHERE dims = ?").bind(dims).first("n")).toBe(
      seeded + 1,
    );
  });
});
