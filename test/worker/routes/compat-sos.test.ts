import { describe, expect, it } from "vitest";
import { testAgentId, useWorker } from "../../support/worker-harness";

const harness = useWorker();

/** The columns of the prototype's `SELECT * FROM engrams` rows, as its clients read them. */
const sosRowKeys = [
  "id",
  "agent",
  "context_id",
  "text",
  "epistemic_truths",
  "core_concepts",
  "affective_vibe",
  "created_at",
  "accessed_at",
  "importance",
].sort();

/** The engram the first store writes, as D1 holds it and the prototype's search returns it. */
const storedRow = {
  agent: testAgentId,
  context_id: "proto-ctx",
  text: "The prototype stored this",
  epistemic_truths: '["truth one","truth two"]',
  core_concepts: '["prototype"]',
  affective_vibe: "Curious",
  importance: 0.8,
};

describe("the SOS prototype routes", () => {
  it("GET /health answers the prototype's health shape", async () => {
    const response = await harness.request("GET", "/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok", agent: testAgentId, runtime: "sos-cloudflare", local_first: true });
  });

  it("POST /memory/store maps tags, concepts and vibe onto the engram and answers {success, id, context_id}", async () => {
    const response = await harness.request("POST", "/memory/store", {
      text: "The prototype stored this",
      context_id: "proto-ctx",
      tags: ["truth one", "truth two"],
      concepts: ["prototype"],
      vibe: "Curious",
      importance: 0.8,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      context_id: "proto-ctx",
    });

    const row = await (await harness.d1()).prepare("SELECT * FROM engrams WHERE id = ?").bind(response.body.id).first();
    expect(row).toMatchObject(storedRow);
  });

  it("POST /memory/store fills the prototype's defaults", async () => {
    const before = Date.now();
    const response = await harness.request("POST", "/memory/store", { text: "defaults please" });
    expect(response.body.context_id).toMatch(/^ctx_\d+$/);
    expect(Number(response.body.context_id.slice(4))).toBeGreaterThanOrEqual(before);
    const row = await (await harness.d1()).prepare("SELECT * FROM engrams WHERE id = ?").bind(response.body.id).first();
    expect(row).toMatchObject({
      epistemic_truths: "[]",
      core_concepts: "[]",
      affective_vibe: "Neutral",
      importance: 0.5,
    });
  });

  it("POST /memory/search answers {success, results} with raw rows: the list columns as JSON text", async () => {
    const response = await harness.request("POST", "/memory/search", { query: "prototype stored" });
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(true);
    const [first] = response.body.results;
    expect(Object.keys(first).sort()).toEqual(sosRowKeys);
    expect(first).toMatchObject(storedRow);
    expect(first.created_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  });

  it("POST /memory/search returns at most 5 by default, or limit", async () => {
    for (let i = 0; i < 7; i++) await harness.request("POST", "/memory/store", { text: `pelican sighting ${i}` });
    expect((await harness.request("POST", "/memory/search", { query: "pelican" })).body.results).toHaveLength(5);
    expect((await harness.request("POST", "/memory/search", { query: "pelican", limit: 2 })).body.results).toHaveLength(
      2,
    );
    expect((await harness.request("POST", "/memory/search", { query: "!!!" })).body).toEqual({
      success: true,
      results: [],
    });
  });

  it("GET /memory/recent answers the newest rows first, 10 by default", async () => {
    const response = await harness.request("GET", "/memory/recent?limit=2");
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(true);
    expect(response.body.results.map((r: { text: string }) => r.text)).toEqual([
      "pelican sighting 6",
      "pelican sighting 5",
    ]);
    expect(Object.keys(response.body.results[0]).sort()).toEqual(sosRowKeys);
    for (let i = 0; i < 3; i++) await harness.request("POST", "/memory/store", { text: `filler ${i}` });
    const count = await (await harness.d1()).prepare("SELECT count(*) AS n FROM engrams").first("n");
    expect(count).toBe(12);
    expect((await harness.request("GET", "/memory/recent")).body.results).toHaveLength(10);
  });

  it("GET /agent/state gives the state flat, with coherence and witness magnitude", async () => {
    const response = await harness.request("GET", "/agent/state");
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(true);
    expect(response.body.state).toMatchObject({
      agent: testAgentId,
      p: 0.5,
      phi: 0.5,
      pt: 0.5,
      phit: 0.5,
      coherence: 0.5,
      witness_magnitude: 2,
      last_sync: null,
    });
  });

  it("POST /agent/update takes flat dimensions, keeps the others, and answers {success, coherence}", async () => {
    const inner = { p: 1, e: 1, mu: 1, v: 1, n: 1, delta: 1, r: 1, phi: 1 };
    const response = await harness.request("POST", "/agent/update", { ...inner, name: "ignored", role: "agent" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, coherence: 1 });

    const partial = await harness.request("POST", "/agent/update", { mu: 0, vt: 0.9 });
    expect(partial.body.coherence).toBeCloseTo((7 + 0 * 1.2 + 1.2 - 1) / 8.4, 12);
    const state = await harness.request("GET", "/api/state");
    expect(state.body.uv_16d.inner).toEqual({ ...inner, mu: 0 });
    expect(state.body.uv_16d.outer.vt).toBe(0.9);
    expect(state.body.uv_16d.outer.pt).toBe(0.5);
    expect((await harness.request("GET", "/agent/state")).body.state).toMatchObject({
      mu: 0,
      vt: 0.9,
      last_sync: expect.any(String),
    });
  });

  it("answers errors in the prototype's envelope, naming the field", async () => {
    const store = await harness.request("POST", "/memory/store", { tags: ["no text"] });
    expect(store.status).toBe(400);
    expect(store.body).toEqual({ success: false, error: "text: is required", code: "invalid_request", field: "text" });

    const update = await harness.request("POST", "/agent/update", { p: 2 });
    expect(update.status).toBe(400);
    expect(update.body).toMatchObject({ success: false, field: "p" });

    const tags = await harness.request("POST", "/memory/store", { text: "x", tags: "not a list" });
    expect(tags.body).toMatchObject({ success: false, field: "tags" });

    const recent = await harness.request("GET", "/memory/recent?limit=many");
    expect(recent.body).toMatchObject({ success: false, field: "limit" });

    const missing = await harness.request("GET", "/memory/elsewhere");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, code: "not_found" });

    const unauthorized = await harness.request("GET", "/health", undefined, { auth: false });
    expect(unauthorized.body).toMatchObject({ success: false, code: "unauthorized" });
  });
});
