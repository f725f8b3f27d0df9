import { describe, expect, it } from "vitest";
import { testAgentId, useWorker } from "../../support/worker-harness";

const harness = useWorker();

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

async function engramCount(): Promise<number> {
  const d1 = await harness.d1();
  const row = await d1.prepare("SELECT count(*) AS n FROM engrams").first<{ n: number }>();
  return row!.n;
}

describe("POST /api/memories", () => {
  it("creates an engram for this agent with the defaults filled in", async () => {
    const response = await harness.request("POST", "/api/memories", { text: "The user likes green tea." });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      agent: testAgentId,
      context_id: null,
      text: "The user likes green tea.",
      epistemic_truths: [],
      core_concepts: [],
      affective_vibe: null,
      importance: 0.5,
      ref_count: 1,
      accessed_at: null,
    });
    expect(response.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body.created_at).toMatch(isoTimestamp);
    expect(response.body.updated_at).toBe(response.body.created_at);
  });

  it("stores every field and reads it back by id", async () => {
    const input = {
      text: "Paris trip planned for May",
      context_id: "conversation-7",
      epistemic_truths: ["trip is in May"],
      core_concepts: ["travel", "Paris"],
      affective_vibe: "excited",
      importance: 0.9,
    };
    const created = await harness.request("POST", "/api/memories", input);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(input);
    const read = await harness.request("GET", `/api/memories/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const row = await (
      await harness.d1()
    )
      .prepare("SELECT epistemic_truths, core_concepts FROM engrams WHERE id = ?")
      .bind(created.body.id)
      .first();
    expect(row).toEqual({ epistemic_truths: '["trip is in May"]', core_concepts: '["travel","Paris"]' });
  });

  const invalid: [string, unknown, string, string][] = [
    ["missing text", { context_id: "x" }, "text", "text: is required"],
    ["blank text", { text: "   " }, "text", "text: must not be blank"],
    ["text of the wrong type", { text: 42 }, "text", "text: must be a string"],
    ["text over the limit", { text: "a".repeat(32_001) }, "text", "text: must be at most 32000 characters"],
    ["importance above 1", { text: "x", importance: 1.5 }, "importance", "importance: must be at most 1"],
    [
      "a list item of the wrong type",
      { text: "x", epistemic_truths: ["ok", 5] },
      "epistemic_truths.1",
      "epistemic_truths.1: must be a string",
    ],
    [
      "too many concepts",
      { text: "x", core_concepts: Array.from({ length: 65 }, (_, i) => `c${i}`) },
      "core_concepts",
      "core_concepts: must have at most 64 items",
    ],
    ["an unknown field", { text: "x", contextId: "typo" }, "contextId", "contextId: is not a known field"],
    ["an array body", [{ text: "x" }], "body", "body: must be an object"],
    ["a null body", null, "body", "body: must be an object"],
  ];
  for (const [label, body, field, message] of invalid) {
    it(`refuses ${label} with a 400 naming ${field}, writing nothing`, async () => {
      const before = await engramCount();
      const response = await harness.request("POST", "/api/memories", body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: { code: "invalid_request", message, field } });
      expect(await engramCount()).toBe(before);
    });
  }

  it("refuses a body that is not JSON", async () => {
    const response = await harness.request("POST", "/api/memories", "{ not json");
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: "invalid_json", message: "body: is not valid JSON", field: "body" });
  });

  it("refuses an empty body", async () => {
    const response = await harness.request("POST", "/api/memories", "");
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe("body");
  });

  it("refuses a body over 256 KiB with 413", async () => {
    const response = await harness.request("POST", "/api/memories", { text: "x".repeat(300_000) });
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ code: "payload_too_large", field: "body" });
  });
});

describe("GET /api/memories", () => {
  it("pages newest first with a cursor, without gaps or repeats, and filters by context_id", async () => {
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      const response = await harness.request("POST", "/api/memories", {
        text: `list item ${i}`,
        context_id: i % 2 ? "odd" : "even",
      });
      created.push(response.body.id);
    }
    const seen: { id: string; created_at: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=10&context_id=odd&cursor=${cursor}` : "?limit=10&context_id=odd";
      const page = await harness.request("GET", `/api/memories${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.memories);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    const odd = created.filter((_, i) => i % 2 === 1);
    expect(pages).toBe(2);
    expect(seen.map((memory) => memory.id)).toEqual([...odd].reverse());
  });

  it("lists this agent's engrams only, unless another agent is asked for", async () => {
    await harness.request("POST", "/store", { agent: "river", context_id: "other-agent", text: "river's memory" });
    const mine = await harness.request("GET", "/api/memories?limit=100");
    expect(mine.body.memories.every((memory: { agent: string }) => memory.agent === testAgentId)).toBe(true);
    const river = await harness.request("GET", "/api/memories?agent=river");
    expect(river.body.memories.map((memory: { text: string }) => memory.text)).toEqual(["river's memory"]);
  });

  it("refuses bad parameters with a 400 naming them", async () => {
    for (const [query, field] of [
      ["?limit=0", "limit"],
      ["?limit=101", "limit"],
      ["?limit=ten", "limit"],
      ["?limit=1&limit=2", "limit"],
      ["?cursor=not-a-cursor", "cursor"],
      ["?cursor=W10", "cursor"],
    ] as const) {
      const response = await harness.request("GET", `/api/memories${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.field, query).toBe(field);
    }
  });
});

describe("GET, PATCH and DELETE /api/memories/:id", () => {
  it("updates given fields only, keeps full-text search in step, and bumps updated_at", async () => {
    const created = await harness.request("POST", "/api/memories", {
      text: "original marmalade words",
      core_concepts: ["jam"],
    });
    const patched = await harness.request("PATCH", `/api/memories/${created.body.id}`, {
      text: "replacement quince words",
      importance: 0.2,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ text: "replacement quince words", importance: 0.2, core_concepts: ["jam"] });
    expect(patched.body.updated_at > created.body.updated_at).toBe(true);

    const old = await harness.request("POST", "/api/memories/search", { query: "marmalade" });
    expect(old.body.results).toEqual([]);
    const fresh = await harness.request("POST", "/api/memories/search", { query: "quince" });
    expect(fresh.body.results.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
  });

  it("clears nullable fields with null", async () => {
    const created = await harness.request("POST", "/api/memories", {
      text: "with context",
      context_id: "c",
      affective_vibe: "calm",
    });
    const patched = await harness.request("PATCH", `/api/memories/${created.body.id}`, {
      context_id: null,
      affective_vibe: null,
    });
    expect(patched.body).toMatchObject({ context_id: null, affective_vibe: null });
  });

  it("refuses an empty or invalid patch, changing nothing", async () => {
    const created = await harness.request("POST", "/api/memories", { text: "stays as it is" });
    const empty = await harness.request("PATCH", `/api/memories/${created.body.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error).toEqual({
      code: "invalid_request",
      message: "body: must contain at least one field to change",
      field: "body",
    });
    const bad = await harness.request("PATCH", `/api/memories/${created.body.id}`, { text: "changed", importance: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("importance");
    const nullText = await harness.request("PATCH", `/api/memories/${created.body.id}`, { text: null });
    expect(nullText.body.error.field).toBe("text");
    expect((await harness.request("GET", `/api/memories/${created.body.id}`)).body.text).toBe("stays as it is");
  });

  it("answers 404 for an unknown id on every method", async () => {
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const response = await harness.request(
        method,
        "/api/memories/no-such-id",
        method === "PATCH" ? { text: "x" } : undefined,
      );
      expect(response.status, method).toBe(404);
      expect(response.body, method).toEqual({ error: { code: "not_found", message: "memory not found" } });
    }
  });

  it("refuses an id that is not valid percent-encoding", async () => {
    const response = await harness.request("GET", "/api/memories/%E0%A4%A");
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe("id");
  });

  it("deletes the engram and its full-text entry", async () => {
    const created = await harness.request("POST", "/api/memories", { text: "ephemeral xylophone" });
    const deleted = await harness.request("DELETE", `/api/memories/${created.body.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, id: created.body.id });
    expect((await harness.request("GET", `/api/memories/${created.body.id}`)).status).toBe(404);
    expect((await harness.request("DELETE", `/api/memories/${created.body.id}`)).status).toBe(404);
    const d1 = await harness.d1();
    const hits = await d1.prepare("SELECT rowid FROM engrams_fts WHERE engrams_fts MATCH 'xylophone'").all();
    expect(hits.results).toEqual([]);
  });
});
