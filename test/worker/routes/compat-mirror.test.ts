import { describe, expect, it } from "vitest";
import { useWorker } from "../../support/worker-harness";

const harness = useWorker();

/** Mirror's EngramResponse fields, as POST /search returns them. */
const searchKeys = [
  "id",
  "context_id",
  "series",
  "project",
  "similarity",
  "epistemic_truths",
  "core_concepts",
  "affective_vibe",
  "timestamp",
  "text",
].sort();

async function rows(agent: string, contextId: string) {
  const d1 = await harness.d1();
  return (await d1.prepare("SELECT * FROM engrams WHERE agent = ? AND context_id = ?").bind(agent, contextId).all())
    .results;
}

describe("the Mirror memory routes", () => {
  it("POST /store inserts, answering {status, context_id, agent, merged: false}", async () => {
    const response = await harness.request("POST", "/store", {
      agent: "river",
      context_id: "conv-1",
      text: "River remembers the lighthouse",
      epistemic_truths: ["lighthouses guide ships"],
      core_concepts: ["lighthouse"],
      affective_vibe: "Calm",
      energy_level: "Balanced",
      metadata: { source: "test" },
      project: "ignored",
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "success", context_id: "conv-1", agent: "river", merged: false });
    const stored = await rows("river", "conv-1");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ text: "River remembers the lighthouse", affective_vibe: "Calm", ref_count: 1 });
  });

  it("POST /store merges a near-duplicate in vectors and in words (same agent) into its engram: merged: true", async () => {
    // The same words (punctuation aside) under another context_id: one engram, one more reference.
    const again = await harness.request("POST", "/store", {
      agent: "river",
      context_id: "conv-9",
      text: "River remembers the lighthouse!",
      core_concepts: ["coast"],
    });
    expect(again.body).toEqual({ status: "success", context_id: "conv-9", agent: "river", merged: true });
    const merged = await rows("river", "conv-1");
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      text: "River remembers the lighthouse",
      ref_count: 2,
      affective_vibe: "Calm",
      core_concepts: '["lighthouse","coast"]',
    });
    expect(merged[0]!.importance).toBeCloseTo(0.55, 10);
    expect(merged[0]!.updated_at).not.toBe(merged[0]!.created_at);
    expect(await rows("river", "conv-9")).toHaveLength(0);

    // The same text stored by another agent is that agent's own.
    const knight = await harness.request("POST", "/store", {
      agent: "knight",
      context_id: "conv-1",
      text: "River remembers the lighthouse",
    });
    expect(knight.body.merged).toBe(false);
    expect(await rows("knight", "conv-1")).toHaveLength(1);
  });

  it("POST /store with a word the engram lacks is no merge: a 'not' is kept", async () => {
    const stored = await harness.request("POST", "/store", {
      agent: "river",
      context_id: "conv-10",
      text: "River does not remember the lighthouse",
    });
    expect(stored.body.merged).toBe(false);
    expect((await rows("river", "conv-10"))[0]).toMatchObject({ text: "River does not remember the lighthouse" });
  });

  it("POST /store upserts on (agent, context_id): the second store updates the engram, as Mirror's upsert", async () => {
    const first = await harness.request("POST", "/store", {
      agent: "river",
      context_id: "conv-up",
      text: "The harbour master keeps a red ledger",
      core_concepts: ["ledger"],
    });
    expect(first.body.merged).toBe(false);
    const [before] = await rows("river", "conv-up");
    const second = await harness.request("POST", "/store", {
      agent: "river",
      context_id: "conv-up",
      text: "The harbour master switched to a blue notebook",
    });
    expect(second.body).toEqual({ status: "success", context_id: "conv-up", agent: "river", merged: false });
    const after = await rows("river", "conv-up");
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      id: before!.id,
      text: "The harbour master switched to a blue notebook",
      core_concepts: "[]",
      affective_vibe: "Neutral",
      ref_count: 1,
    });
    // Its words and its vector are the new text's.
    const found = await harness.request("POST", "/search", { query: "notebook", agent_filter: "river" });
    expect(found.body.map((row: { id: string }) => row.id)).toContain(before!.id);
    const gone = await harness.request("POST", "/search", { query: "ledger", agent_filter: "river" });
    expect(gone.body.map((row: { id: string }) => row.id)).not.toContain(before!.id);
    const model = await (
      await harness.d1()
    )
      .prepare("SELECT model FROM engram_vectors v JOIN engrams e ON e.rowid = v.engram_rowid WHERE e.id = ?")
      .bind(before!.id)
      .first("model");
    expect(model).toBe("sos-hash-v1");
    // Another agent's same context_id is another engram.
    await harness.request("POST", "/store", { agent: "knight", context_id: "conv-up", text: "Knight guards the gate" });
    expect(await rows("river", "conv-up")).toHaveLength(1);
    expect(await rows("knight", "conv-up")).toHaveLength(1);
  });

  it("POST /search returns a bare array of Mirror's fields, best first", async () => {
    await harness.request("POST", "/store", {
      agent: "river",
      context_id: "conv-2",
      text: "harbour harbour harbour lights",
      epistemic_truths: ["ports have lights"],
      core_concepts: ["harbour"],
    });
    const response = await harness.request("POST", "/search", {
      query: "harbour",
      threshold: 0,
      agent_filter: "river",
    });
    expect(response.status).toBe(200);
    expect(Array.isArray(response.body)).toBe(true);
    const [best] = response.body;
    expect(Object.keys(best).sort()).toEqual(searchKeys);
    expect(best).toMatchObject({
      context_id: "conv-2",
      series: "River - Agent Memory",
      project: null,
      epistemic_truths: ["ports have lights"],
      core_concepts: ["harbour"],
      affective_vibe: "Neutral",
      text: "harbour harbour harbour lights",
    });
    expect(best.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(response.body.map((row: { context_id: string }) => row.context_id)).toContain("conv-up");
  });

  it("POST /search with Mirror's defaults returns the full-text hits, whatever their cosine", async () => {
    await harness.request("POST", "/store", {
      agent: "archive",
      context_id: "a-1",
      text: "The quarterly budget review moved to the small meeting room on the third floor near the kitchen",
    });
    // The hashing embedding puts this long text far below 0.5 from a two-word query.
    const found = await harness.request("POST", "/search", { query: "budget review", agent_filter: "archive" });
    expect(found.body.map((row: { context_id: string }) => row.context_id)).toEqual(["a-1"]);
    expect(found.body[0].similarity).toBeNull();
    const strict = await harness.request("POST", "/search", {
      query: "budget review",
      threshold: 0.99,
      agent_filter: "archive",
    });
    expect(strict.body.map((row: { context_id: string }) => row.context_id)).toEqual(["a-1"]);
  });

  it("POST /search: similarity is the cosine of a vector-list hit, null for a full-text hit alone", async () => {
    const everything = await harness.request("POST", "/search", {
      query: "harbour lights",
      threshold: 0,
      agent_filter: "river",
    });
    const best = everything.body[0];
    expect(best.text).toBe("harbour harbour harbour lights");
    expect(best.similarity).toBeGreaterThan(0.3);
    expect(best.similarity).toBeLessThanOrEqual(1);
    // Above the threshold no vector candidate is left: the same hit, from full text alone.
    const strict = await harness.request("POST", "/search", {
      query: "harbour lights",
      threshold: 0.99,
      agent_filter: "river",
    });
    expect(strict.body[0].text).toBe("harbour harbour harbour lights");
    expect(strict.body.every((row: { similarity: number | null }) => row.similarity === null)).toBe(true);
  });

  it("POST /search applies top_k (default 5) and agent_filter", async () => {
    for (let i = 0; i < 7; i++)
      await harness.request("POST", "/store", { agent: "oracle", context_id: `o-${i}`, text: `oracle prophecy ${i}` });
    expect((await harness.request("POST", "/search", { query: "prophecy" })).body).toHaveLength(5);
    expect((await harness.request("POST", "/search", { query: "prophecy", top_k: 7 })).body).toHaveLength(7);

    await harness.request("POST", "/store", { agent: "knight", context_id: "k-prophecy", text: "knight prophecy" });
    const filtered = await harness.request("POST", "/search", {
      query: "prophecy",
      top_k: 20,
      threshold: 0,
      agent_filter: "knight",
    });
    // threshold 0 lets every vector candidate of the agent in (Mirror's semantics); full text ranks first.
    expect(filtered.body[0].text).toBe("knight prophecy");
    expect(new Set(filtered.body.map((r: { series: string }) => r.series))).toEqual(new Set(["Knight - Agent Memory"]));
    const textOnly = await harness.request("POST", "/search", { query: "prophecy", top_k: 20, agent_filter: "knight" });
    expect(textOnly.body.map((r: { text: string }) => r.text)).toEqual(["knight prophecy"]);
  });

  it("GET /recent/:agent answers {agent, count, engrams} newest first", async () => {
    const response = await harness.request("GET", "/recent/oracle?limit=2");
    expect(response.status).toBe(200);
    expect(response.body.agent).toBe("oracle");
    expect(response.body.count).toBe(2);
    expect(response.body.engrams.map((e: { context_id: string }) => e.context_id)).toEqual(["o-6", "o-5"]);
    expect(response.body.engrams[0]).toMatchObject({
      series: "Oracle - Agent Memory",
      text: "oracle prophecy 6",
      raw_data: { agent: "oracle", text: "oracle prophecy 6" },
      epistemic_truths: [],
      affective_vibe: "Neutral",
    });
    expect((await harness.request("GET", "/recent/oracle")).body.count).toBe(7);
    expect((await harness.request("GET", "/recent/nobody")).body).toEqual({ agent: "nobody", count: 0, engrams: [] });
  });

  it("GET /stats counts engrams per agent", async () => {
    const response = await harness.request("GET", "/stats");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ total_engrams: 15, by_agent: { river: 4, knight: 3, oracle: 7, archive: 1 } });
  });

  it("answers errors as FastAPI did ({detail}), naming the field", async () => {
    const store = await harness.request("POST", "/store", { agent: "river", text: "no context" });
    expect(store.status).toBe(400);
    expect(store.body).toEqual({ detail: "context_id: is required", code: "invalid_request", field: "context_id" });
    expect((await harness.request("POST", "/search", { query: "x", top_k: 0 })).body).toMatchObject({ field: "top_k" });
    expect((await harness.request("POST", "/search", { query: "x", threshold: 2 })).body).toMatchObject({
      field: "threshold",
    });
    expect((await harness.request("POST", "/store", { agent: "", context_id: "c", text: "t" })).body).toMatchObject({
      field: "agent",
    });
    expect((await harness.request("GET", "/recent/river?limit=0")).body).toMatchObject({ field: "limit" });
    const unauthorized = await harness.request("GET", "/stats", undefined, { auth: "wrong" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toMatchObject({ detail: "The agent key is not valid.", code: "unauthorized" });
  });
});

describe("the largest Mirror search", () => {
  const big = useWorker();

  it("returns top_k = 100 results and records their recall (more ids than D1's 100 bound parameters)", async () => {
    const d1 = await big.d1();
    await d1
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
         INSERT INTO engrams (id, agent, context_id, text) SELECT 'w-' || i, 'river', 'w-' || i, 'walrus ' || i FROM n`,
      )
      .run();
    const response = await big.request("POST", "/search", { query: "walrus", top_k: 100, threshold: 0 });
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(100);
    expect(await d1.prepare("SELECT count(*) AS n FROM engrams WHERE accessed_at IS NOT NULL").first("n")).toBe(100);
  });
});
