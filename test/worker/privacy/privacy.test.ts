import { describe, expect, it } from "vitest";
import { appendToSession } from "../../../worker/sessions/session-store";
import { testAgentId, useWorker } from "../../support/worker-harness";
import { latestMigration } from "../../support/schema-files";

const harness = useWorker();

const half = { p: 0.5, e: 0.5, mu: 0.5, v: 0.5, n: 0.5, delta: 0.5, r: 0.5, phi: 0.5 };
const outer = { pt: 0.1, et: 0.2, mut: 0.3, vt: 0.4, nt: 0.5, deltat: 0.6, rt: 0.7, phit: 0.8 };

async function seed() {
  await harness.request("POST", "/api/memories", { text: "first private memory", core_concepts: ["privacy"] });
  await harness.request("POST", "/api/memories", { text: "second private memory", context_id: "c-1" });
  await harness.request("POST", "/memory/store", { text: "stored the prototype way", tags: ["t"] });
  await harness.request("POST", "/store", {
    agent: "river",
    context_id: "r-1",
    text: "a Mirror engram of another agent",
  });
  await harness.request("PUT", "/api/state", { inner: half, outer });
  const env = { SESSION: await harness.kv(), SESSION_TTL_SECONDS: "3600" };
  await appendToSession(env, "session-one", { role: "user", content: "hello" });
  await appendToSession(env, "session-one", { role: "assistant", content: "hi, how can I help?" });
  await appendToSession(env, "session-two", { role: "user", content: "another conversation" });
  for (const ip of ["198.51.100.1", "198.51.100.2"]) {
    await harness.request(
      "POST",
      "/api/contact",
      { from_agent: `peer-${ip}`, message: "hello from a peer" },
      { auth: false, headers: { "cf-connecting-ip": ip } },
    );
  }
}

async function scalar(sql: string): Promise<number> {
  return (await (await harness.d1()).prepare(sql).first<number>("n"))!;
}

describe("export, erase, export", () => {
  it("exports everything, refuses to erase without the confirmation, erases it all, and exports nothing", async () => {
    await seed();
    // One engram waiting to be embedded (as after a failed embedding call): its vector row is empty.
    await (
      await harness.d1()
    )
      .prepare(
        `UPDATE engram_vectors SET model = '', dims = NULL, bits = NULL, q8 = NULL, scale = NULL
         WHERE engram_id = (SELECT id FROM engrams WHERE text = 'second private memory')`,
      )
      .run();

    const first = await harness.request("GET", "/api/export");
    expect(first.status).toBe(200);
    expect(first.headers.get("content-disposition")).toContain("sos-export.json");
    expect(first.body).toMatchObject({
      format: "sos-export/1",
      agent_id: testAgentId,
      runtime_version: "0.1.0",
      schema_version: latestMigration,
      counts: { engrams: 4, agent_state: 1, sessions: 2, contacts: 2 },
    });
    expect(first.body.engrams.map((e: { text: string }) => e.text).sort()).toEqual([
      "a Mirror engram of another agent",
      "first private memory",
      "second private memory",
      "stored the prototype way",
    ]);
    // Each engram with its vector (here of the built-in hashing embedding), so a restore need not embed it again.
    for (const engram of first.body.engrams) {
      if (engram.text === "second private memory") expect(engram.embedding).toBeNull();
      else expect(engram.embedding).toMatchObject({ model: "sos-hash-v1", dims: 512, scale: expect.any(Number) });
    }
    expect(first.body.agent_state[0]).toMatchObject({ agent: testAgentId, uv_16d: { inner: half, outer } });
    const sessionOne = first.body.sessions.find((s: { id: string }) => s.id === "session-one");
    expect(sessionOne.messages.map((m: { content: string }) => m.content)).toEqual(["hello", "hi, how can I help?"]);
    expect(first.body.contacts.map((c: { from_agent: string }) => c.from_agent).sort()).toEqual([
      "peer-198.51.100.1",
      "peer-198.51.100.2",
    ]);

    for (const body of [
      undefined,
      {},
      { confirm: "yes" },
      { confirm: "ERASE EVERYTHING" },
      { confirm: "erase everything", extra: 1 },
    ]) {
      const refused = await harness.request("DELETE", "/api/data", body);
      // Without a body there is no JSON content type either: 415.
      expect(refused.status, JSON.stringify(body)).toBe(body === undefined ? 415 : 400);
    }
    const refused = await harness.request("DELETE", "/api/data", { confirm: "yes" });
    expect(refused.body.error).toEqual({
      code: "invalid_request",
      message: 'confirm: must be "erase everything"',
      field: "confirm",
    });
    expect((await harness.request("GET", "/api/export")).body.counts).toEqual(first.body.counts);

    const erased = await harness.request("DELETE", "/api/data", { confirm: "erase everything" });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ erased: first.body.counts, overwritten: true });

    const second = await harness.request("GET", "/api/export");
    expect(second.body.counts).toEqual({ engrams: 0, agent_state: 0, sessions: 0, contacts: 0, conversations: 0 });
    expect(second.body).toMatchObject({ engrams: [], agent_state: [], sessions: [], contacts: [] });

    // The full-text index is empty too (the delete trigger), and consistent with its content table.
    expect(await scalar("SELECT count(*) AS n FROM engrams_fts_docsize")).toBe(0);
    expect(await scalar("SELECT count(*) AS n FROM engrams_fts WHERE engrams_fts MATCH 'private'")).toBe(0);
    await (await harness.d1()).prepare("INSERT INTO engrams_fts(engrams_fts) VALUES ('integrity-check')").run();
    expect(await scalar("SELECT count(*) AS n FROM contact_rate_limits")).toBe(0);
    expect((await (await harness.kv()).list({ prefix: "" })).keys).toEqual([]);

    // The state reads as defaults again, and the API keeps working on the empty store.
    expect((await harness.request("GET", "/api/state")).body.last_sync).toBeNull();
    expect((await harness.request("POST", "/api/memories", { text: "a fresh start" })).status).toBe(201);
  });
});
