import { beforeEach, describe, expect, it } from "vitest";
import { embed } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { useWorker } from "../../support/worker-harness";
import { basis, mix } from "../../support/memory-vectors";

/**
 * The per-isolate cache of compact vectors: one worker (one isolate) answers every request here, so
 * each search reuses what the previous one loaded. A search reports whether the cached vectors were
 * current (`warm`), patched from the change log (`synced`) or loaded (`cold`), and the D1 rows it read.
 */
const { vendors, egress } = useFakeVendors();

const harness = useWorker({ EMBEDDING_PROVIDER: "openai", OPENAI_API_KEY: "sk-cache-test-0001" }, () => ({
  outbound: (request) => egress().outbound(request),
}));

beforeEach(() => {
  vendors().reset();
});

async function store(text: string, vector: number[]): Promise<string> {
  vendors().openai.script(embed([vector]));
  const response = await harness.request("POST", "/api/memories", { text, core_concepts: ["cache"] });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

interface Found {
  ids: string[];
  vectorIds: string[];
  ranking: { id: string; score: number; similarity: number | null }[];
  cache: string;
  rowsRead: number;
  roundTrips: number;
}

async function search(query: string, vector: number[], limit = 5): Promise<Found> {
  vendors().openai.script(embed([vector]));
  const response = await harness.request("POST", "/api/memories/search", { query, limit });
  expect(response.status, response.text).toBe(200);
  const results = response.body.results as { id: string; score: number; similarity: number | null }[];
  return {
    ids: results.map((result) => result.id),
    vectorIds: results.filter((result) => (result.similarity ?? 0) >= 0.3).map((result) => result.id),
    ranking: results.map(({ id, score, similarity }) => ({ id, score: Number(score.toFixed(6)), similarity })),
    cache: response.body.recall.cache,
    rowsRead: response.body.recall.rows_read,
    roundTrips: response.body.recall.round_trips,
  };
}

/** A search whose words match nothing, so every result is a vector match. */
function searchNear(vector: number[], limit = 5): Promise<Found> {
  return search("qqq", vector, limit);
}

const near = mix(basis(0), basis(1), 0.9);
const ids: Record<string, string> = {};

describe("the vector cache of one isolate", () => {
  it("loads once, then answers from memory, reading at most 3 × limit + 10 rows", async () => {
    ids.apple = await store("apple orchard notes", basis(0));
    ids.bike = await store("bicycle repair log", basis(2));
    const first = await searchNear(near);
    expect(first.ids).toEqual([ids.apple]);
    expect(["cold", "synced"]).toContain(first.cache);

    const second = await searchNear(near);
    expect(second).toMatchObject({ ids: [ids.apple], cache: "warm", roundTrips: 1 });
    // The recall's reads, and one row per result for marking it accessed (written after the answer).
    expect(second.rowsRead + second.ids.length).toBeLessThanOrEqual(3 * 5 + 10);
  });

  it("sees a write at the next recall", async () => {
    ids.cider = await store("cider pressing day", mix(basis(0), basis(3), 0.85));
    const found = await searchNear(near);
    expect(found.cache).toBe("synced");
    expect(found.vectorIds.sort()).toEqual([ids.apple, ids.cider].sort());
    expect((await searchNear(near)).cache).toBe("warm");
  });

  it("sees a delete at the next recall", async () => {
    expect((await harness.request("DELETE", `/api/memories/${ids.apple}`)).status).toBe(200);
    const found = await searchNear(near);
    expect(found.cache).toBe("synced");
    expect(found.ids).toEqual([ids.cider]);
  });

  it("sees writes made outside this isolate (straight to D1) through the change log", async () => {
    const d1 = await harness.d1();
    await d1.prepare("DELETE FROM engrams WHERE id = ?").bind(ids.cider).run();
    const found = await searchNear(near);
    expect(found.cache).toBe("synced");
    expect(found.ids).toEqual([]);
  });

  it("sees an importance change (a recall weight) at the next recall", async () => {
    ids.pear = await store("pear tree pruning", mix(basis(0), basis(4), 0.8));
    ids.plum = await store("plum jam recipe", mix(basis(0), basis(5), 0.8));
    const before = await searchNear(basis(0));
    expect(before.ids.sort()).toEqual([ids.pear, ids.plum].sort());
    const [, second] = before.ids;
    await harness.request("PATCH", `/api/memories/${second}`, { importance: 1 });
    const after = await searchNear(basis(0));
    expect(after.cache).toBe("synced");
    expect(after.ids[0]).toBe(second);
  });

  it("sees an erase at the next recall, and the store after it", async () => {
    const erased = await harness.request("DELETE", "/api/data", { confirm: "erase everything" });
    expect(erased.status).toBe(200);
    const empty = await searchNear(basis(0));
    expect(empty.ids).toEqual([]);
    expect(empty.cache).toBe("cold");
    const d1 = await harness.d1();
    expect(await d1.prepare("SELECT count(*) AS n FROM engram_vectors").first("n")).toBe(0);
    expect(await d1.prepare("SELECT count(*) AS n FROM memory_changes").first("n")).toBe(0);

    ids.fresh = await store("fresh start", basis(0));
    const found = await searchNear(basis(0));
    expect(found).toMatchObject({ ids: [ids.fresh], cache: "synced" });
  });

  it("reloads a copy older than the log's floor (entries pruned meanwhile)", async () => {
    const d1 = await harness.d1();
    await d1
      .prepare(
        "UPDATE memory_change_floor SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'memory_changes') + 1",
      )
      .run();
    const found = await searchNear(basis(0));
    expect(found).toMatchObject({ ids: [ids.fresh], cache: "cold" });
  });

  it("answers a warm hybrid recall in one round trip, ranked as the full path ranks it", async () => {
    // Full text finds the harbour engrams, vectors find the ones near basis(6): the lists overlap in part.
    ids.lights = await store("harbour lights at dusk", basis(6));
    ids.ferry = await store("ferry timetable for the islands", mix(basis(6), basis(7), 0.9));
    ids.fees = await store("harbour fees invoice", basis(1));
    ids.gulls = await store("gulls on the pier", mix(basis(6), basis(2), 0.8));
    const synced = await search("harbour", basis(6));
    expect(synced.cache).toBe("synced");
    expect(synced.roundTrips).toBeGreaterThan(1);
    expect(synced.ids.sort()).toEqual([ids.lights, ids.ferry, ids.fees, ids.gulls].sort());

    const warm = await search("harbour", basis(6));
    expect(warm).toMatchObject({ cache: "warm", roundTrips: 1 });
    expect(warm.ranking).toEqual(synced.ranking);
    // Found by both lists, then by one: the harbour invoice by its words alone, the others by vector.
    expect(warm.ids[0]).toBe(ids.lights);
    expect(warm.vectorIds).not.toContain(ids.fees);
  });
});
