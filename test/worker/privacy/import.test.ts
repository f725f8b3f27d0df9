import { describe, expect, it } from "vitest";
import { appendToSession } from "../../../worker/sessions/session-store";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { useWorker, type WorkerHarness } from "../../support/worker-harness";
import { vectorRows, waitFor } from "../../support/memory-vectors";

/**
 * A backup of deployment A (GET /api/export) taken back with POST /api/import into fresh deployments:
 * B gets the whole document at once (twice), C gets it in two parts, D gets it as an export made
 * before vectors were exported. Each is a real worker with its own D1 and KV; all four embed with the
 * built-in hashing embedding. E and F embed with OpenAI's model (the fake vendor), to show a backup's
 * vectors reused under the same model and embedded anew under another.
 */
const a = useWorker();
const b = useWorker();
const c = useWorker();
const d = useWorker();
const { vendors, egress } = useFakeVendors();
const openaiVars = { EMBEDDING_PROVIDER: "openai", OPENAI_API_KEY: "sk-openai-import-test-0001" };
const e = useWorker(openaiVars, () => ({ outbound: (request) => egress().outbound(request) }));
const f = useWorker(openaiVars, () => ({ outbound: (request) => egress().outbound(request) }));

const inner = { p: 0.9, e: 0.8, mu: 0.7, v: 0.6, n: 0.5, delta: 0.4, r: 0.3, phi: 0.2 };
const outer = { pt: 0.1, et: 0.2, mut: 0.3, vt: 0.4, nt: 0.5, deltat: 0.6, rt: 0.7, phit: 0.8 };

const unicodeText = "Привет из Zürich: naïve café crème, 東京の桜 🌸 and a résumé";

async function seedA(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const store = async (name: string, body: Record<string, unknown>) => {
    const response = await a.request("POST", "/api/memories", { core_concepts: [name], ...body });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    ids[name] = response.body.id;
  };
  await store("unicode", { text: unicodeText, epistemic_truths: ["Ünïcödé survives"], affective_vibe: "warm ☀️" });
  await store("allergy", { text: "The user has severe peanut allergies", importance: 0.95, context_id: "health" });
  await store("tea", { text: "The user likes green tea in the morning", epistemic_truths: ["likes tea"] });
  await store("edited", { text: "A memory that is edited afterwards" });
  // The same text again merges: one more reference, importance raised.
  await store("tea", { text: "The user likes green tea in the morning", epistemic_truths: ["likes tea"] });
  expect((await a.request("PATCH", `/api/memories/${ids["edited"]}`, { text: "A memory edited once" })).status).toBe(
    200,
  );
  expect(
    (await a.request("POST", "/store", { agent: "river", context_id: "r-1", text: "A Mirror engram of another agent" }))
      .status,
  ).toBe(200);
  // The seed's own embedding column, written by older tools: the runtime neither reads nor exports it.
  await (await a.d1()).prepare("UPDATE engrams SET embedding = x'010203FA' WHERE id = ?").bind(ids["tea"]).run();
  // A recall records accessed_at (in the background).
  expect((await a.request("POST", "/api/memories/search", { query: "peanut" })).status).toBe(200);
  await waitFor(async () => {
    const memory = (await a.request("GET", `/api/memories/${ids["allergy"]}`)).body;
    return memory.accessed_at !== null;
  }, "accessed_at of the recalled memory");

  expect((await a.request("PUT", "/api/state", { inner, outer })).status).toBe(200);
  const env = { SESSION: await a.kv(), SESSION_TTL_SECONDS: "3600" };
  await appendToSession(env, "session-one", { role: "user", content: "hello 👋" });
  await appendToSession(env, "session-one", { role: "assistant", content: "hi, how can I help?" });
  await appendToSession(env, "session-two", { role: "user", content: "another conversation" });
  const contact = await a.request(
    "POST",
    "/api/contact",
    {
      from_agent: "peer-agent",
      from_name: "Peer",
      reply_to: "https://peer.example/inbox",
      message: "hello from a peer",
    },
    { auth: false, headers: { "cf-connecting-ip": "198.51.100.7" } },
  );
  expect(contact.status).toBe(201);
  return ids;
}

async function exported(harness: WorkerHarness) {
  const response = await harness.request("GET", "/api/export");
  expect(response.status).toBe(200);
  return response.body;
}

/** An export document without the moment it was taken. */
function content(document: Record<string, unknown>) {
  return { ...document, exported_at: "(ignored)" };
}

async function importInto(harness: WorkerHarness, body: unknown) {
  return harness.request("POST", "/api/import", body);
}

async function scalar(harness: WorkerHarness, sql: string, ...bindings: unknown[]): Promise<unknown> {
  return (await harness.d1())
    .prepare(sql)
    .bind(...bindings)
    .first("n");
}

/** Each engram's stored vector, byte for byte. */
async function storedVectors(harness: WorkerHarness) {
  const result = await (
    await harness.d1()
  )
    .prepare(
      "SELECT engram_id, model, dims, hex(bits) AS bits, hex(q8) AS q8, scale FROM engram_vectors ORDER BY engram_id",
    )
    .all();
  return result.results;
}

async function rowCounts(harness: WorkerHarness) {
  return {
    engrams: await scalar(harness, "SELECT count(*) AS n FROM engrams"),
    fts: await scalar(harness, "SELECT count(*) AS n FROM engrams_fts_docsize"),
    vectors: await scalar(harness, "SELECT count(*) AS n FROM engram_vectors"),
    agent_state: await scalar(harness, "SELECT count(*) AS n FROM agent_state"),
    contacts: await scalar(harness, "SELECT count(*) AS n FROM contacts"),
    sessions: (await (await harness.kv()).list({ prefix: "" })).keys.length,
  };
}

const empty = { engrams: 0, agent_state: 0, sessions: 0, contacts: 0, conversations: 0 };

let ids: Record<string, string>;
let backup: any;

describe("POST /api/import: a backup into an empty deployment", () => {
  it("takes the export of A as it is, and B then exports the same document", async () => {
    ids = await seedA();
    backup = await exported(a);
    expect(backup.counts).toEqual({ engrams: 5, agent_state: 1, sessions: 2, contacts: 1, conversations: 0 });
    const tea = backup.engrams.find((engram: { id: string }) => engram.id === ids["tea"]);
    expect(tea).toMatchObject({ ref_count: 2 });
    // Each engram carries its vector as engram_vectors stores it, under its model's name.
    for (const engram of backup.engrams) {
      expect(engram.embedding).toEqual({
        model: "sos-hash-v1",
        dims: 512,
        scale: expect.any(Number),
        bits: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
        q8: expect.stringMatching(/^[A-Za-z0-9+/]{683}=$/),
      });
    }

    // B's vector cache is loaded (empty) before the import: the import must reach it.
    const before = await b.request("POST", "/api/memories/search", { query: "allergic" });
    expect(before.body.results).toEqual([]);

    const response = await importInto(b, backup);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    // The backup's vectors are of the active model: stored as they are, nothing is embedded.
    expect(response.body).toEqual({
      imported: backup.counts,
      unchanged: empty,
      embedding: { model: "sos-hash-v1", restored: 5, embedded: 0, pending: 0 },
    });
    expect(content(await exported(b))).toEqual(content(backup));
    expect(await storedVectors(b)).toEqual(await storedVectors(a));
    expect(await scalar(b, "SELECT count(*) AS n FROM engrams WHERE embedding IS NOT NULL")).toBe(0);
  });

  it("gives each engram its full-text entry and a vector of the active model", async () => {
    expect(await rowCounts(b)).toEqual({
      engrams: 5,
      fts: 5,
      vectors: 5,
      agent_state: 1,
      contacts: 1,
      sessions: 2,
    });
    const vectors = await vectorRows(await b.d1());
    expect(vectors.map((row) => row.model)).toEqual(Array(5).fill("sos-hash-v1"));
    expect(vectors.every((row) => row.dims === 512 && row.q8_bytes === 512)).toBe(true);
    const d1 = await b.d1();
    const matched = await d1
      .prepare("SELECT e.id FROM engrams_fts JOIN engrams e ON e.rowid = engrams_fts.rowid WHERE engrams_fts MATCH ?")
      .bind("привет")
      .all<{ id: string }>();
    expect(matched.results.map((row) => row.id)).toEqual([ids["unicode"]]);
    // Diacritics folded, as for any stored engram.
    expect(await scalar(b, "SELECT count(*) AS n FROM engrams_fts WHERE engrams_fts MATCH 'zurich'")).toBe(1);
    await d1.prepare("INSERT INTO engrams_fts(engrams_fts) VALUES ('integrity-check')").run();
  });

  it("puts the sessions back with the time they had left", async () => {
    const listed = async (harness: WorkerHarness) =>
      (await harness.request("GET", "/api/sessions")).body.sessions as { id: string; expires_at: string }[];
    const [fromA, fromB] = [await listed(a), await listed(b)];
    expect(fromB.map((session) => session.id).sort()).toEqual(["session-one", "session-two"]);
    for (const session of fromB) {
      const original = fromA.find((other) => other.id === session.id)!;
      expect(Math.abs(Date.parse(session.expires_at) - Date.parse(original.expires_at))).toBeLessThanOrEqual(2_000);
    }
    const one = await b.request("GET", "/api/sessions/session-one");
    expect(one.body.messages.map((message: { content: string }) => message.content)).toEqual([
      "hello 👋",
      "hi, how can I help?",
    ]);
  });

  it("importing the same document again writes nothing and duplicates nothing", async () => {
    const countsBefore = await rowCounts(b);
    const changesBefore = await scalar(b, "SELECT max(seq) AS n FROM memory_changes");
    const response = await importInto(b, backup);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      imported: empty,
      unchanged: backup.counts,
      embedding: { model: "sos-hash-v1", restored: 0, embedded: 0, pending: 0 },
    });
    expect(await rowCounts(b)).toEqual(countsBefore);
    // No row was rewritten: the vector change log did not move.
    expect(await scalar(b, "SELECT max(seq) AS n FROM memory_changes")).toBe(changesBefore);
    expect(content(await exported(b))).toEqual(content(backup));
  });

  it("recall finds the imported memories: by words, and by vector through the cache loaded before", async () => {
    // "allergic" is not a word of the text (no full-text match); the hashing embedding's stems meet.
    const byVector = await b.request("POST", "/api/memories/search", { query: "allergic" });
    expect(byVector.status).toBe(200);
    expect(byVector.body.recall.cache).toBe("synced");
    expect(byVector.body.results[0]).toMatchObject({
      id: ids["allergy"],
      text: "The user has severe peanut allergies",
    });
    expect(byVector.body.results[0].similarity).toBeGreaterThan(0.15);

    const byWords = await b.request("POST", "/api/memories/search", { query: "привет" });
    expect(byWords.body.results.map((result: { id: string }) => result.id)).toEqual([ids["unicode"]]);
  });

  it("an engram changed since the backup is put back as it was, with the backup's vector of its old text", async () => {
    const id = ids["edited"]!;
    const original = backup.engrams.find((engram: { id: string }) => engram.id === id);
    expect((await b.request("PATCH", `/api/memories/${id}`, { text: "changed after the backup" })).status).toBe(200);
    const changed = (await exported(b)).engrams.find((engram: { id: string }) => engram.id === id);
    expect(changed.embedding.q8).not.toBe(original.embedding.q8);

    const response = await importInto(b, { format: "sos-export/1", engrams: backup.engrams });
    expect(response.body.imported.engrams).toBeGreaterThanOrEqual(1);
    expect(response.body.embedding).toEqual({ model: "sos-hash-v1", restored: 1, embedded: 0, pending: 0 });
    const { embedding, ...view } = original;
    expect((await b.request("GET", `/api/memories/${id}`)).body).toEqual(view);
    const restored = (await exported(b)).engrams.find((engram: { id: string }) => engram.id === id);
    expect(restored.embedding).toEqual(embedding);
  });

  it("refuses a request without the agent key", async () => {
    const response = await b.request("POST", "/api/import", { format: "sos-export/1" }, { auth: false });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("unauthorized");
  });
});

describe("POST /api/import: validation before any write", () => {
  const engram = (overrides: Record<string, unknown> = {}) => ({
    id: crypto.randomUUID(),
    agent: "test-agent",
    context_id: null,
    text: "a valid engram",
    epistemic_truths: [],
    core_concepts: [],
    affective_vibe: null,
    importance: 0.5,
    ref_count: 1,
    created_at: "2026-01-02T03:04:05.678Z",
    updated_at: "2026-01-02T03:04:05.678Z",
    accessed_at: null,
    embedding: null,
    ...overrides,
  });
  const valid = () => Array.from({ length: 5 }, (_, index) => engram({ text: `valid engram ${index}` }));
  const bytes = (...values: number[]) => btoa(String.fromCharCode(...values.map((value) => value & 0xff)));
  /** Eight components: positive, negative, positive, then zeros; sign bits 0b101. */
  const vector = (overrides: Record<string, unknown> = {}) => ({
    model: "sos-hash-v1",
    dims: 8,
    scale: 0.01,
    bits: bytes(0b101, 0, 0, 0),
    q8: bytes(10, -10, 20, 0, 0, 0, 0, 0),
    ...overrides,
  });

  const cases: [string, () => unknown, string, string][] = [
    [
      "a vector whose q8 does not hold one byte a dimension",
      () => ({ format: "sos-export/1", engrams: [engram({ embedding: vector({ q8: bytes(10, -10, 20) }) })] }),
      "engrams.0.embedding.q8",
      "must hold 8 bytes",
    ],
    [
      "sign bits that disagree with q8",
      () => ({ format: "sos-export/1", engrams: [engram({ embedding: vector({ bits: bytes(0b011, 0, 0, 0) }) })] }),
      "engrams.0.embedding.bits",
      "do not match the signs of q8",
    ],
    [
      "a vector of more dimensions than any model has",
      () => ({ format: "sos-export/1", engrams: [engram({ embedding: vector({ dims: 5_000 }) })] }),
      "engrams.0.embedding.dims",
      "must be at most 4096",
    ],
    [
      "a vector without a positive scale",
      () => ({ format: "sos-export/1", engrams: [engram({ embedding: vector({ scale: 0 }) })] }),
      "engrams.0.embedding.scale",
      "must be more than 0",
    ],
    [
      "an embedding that is neither a vector nor an older export's base64",
      () => ({ format: "sos-export/1", engrams: [engram({ embedding: "not base64!" })] }),
      "engrams.0.embedding",
      "must be an object",
    ],
    ["an unknown format", () => ({ format: "sos-export/2", engrams: valid() }), "format", 'must be "sos-export/1"'],
    ["no format", () => ({ engrams: valid() }), "format", 'must be "sos-export/1"'],
    [
      "a blank text",
      () => ({ format: "sos-export/1", engrams: valid().map((item, i) => (i === 3 ? { ...item, text: "" } : item)) }),
      "engrams.3.text",
      "must be at least 1 characters",
    ],
    [
      "an unknown field",
      () => ({ format: "sos-export/1", engrams: [engram({ colour: "blue" })] }),
      "engrams.0.colour",
      "is not a known field",
    ],
    [
      "a timestamp that is not ISO 8601 UTC",
      () => ({ format: "sos-export/1", engrams: [engram({ created_at: "2026-01-02 03:04:05" })] }),
      "engrams.0.created_at",
      "must be an ISO 8601 UTC timestamp (YYYY-MM-DDTHH:MM:SS.sssZ)",
    ],
    [
      "an importance out of range",
      () => ({ format: "sos-export/1", engrams: [engram(), engram({ importance: 2 })] }),
      "engrams.1.importance",
      "must be at most 1",
    ],
    [
      "an id given twice",
      () => ({ format: "sos-export/1", engrams: [engram({ id: "same" }), engram({ id: "same", text: "other" })] }),
      "engrams.1.id",
      "repeats item 0",
    ],
    [
      "too many engrams for one request",
      () => ({ format: "sos-export/1", engrams: Array.from({ length: 257 }, (_, i) => engram({ text: `e ${i}` })) }),
      "engrams",
      "must have at most 256 items",
    ],
    [
      "a state whose values do not match its stored column",
      () => ({
        format: "sos-export/1",
        engrams: valid(),
        agent_state: [{ ...backup.agent_state[0], uv_16d: { inner: { ...inner, p: 0.1 }, outer } }],
      }),
      "agent_state.0.uv_16d",
      "does not match stored_uv_16d",
    ],
    [
      "a bad contact after valid engrams",
      () => ({
        format: "sos-export/1",
        engrams: valid(),
        contacts: [{ ...backup.contacts[0], reply_to: "not a url" }],
      }),
      "contacts.0.reply_to",
      "must be a valid url",
    ],
    [
      "a session message of an unknown role",
      () => ({
        format: "sos-export/1",
        sessions: [
          { ...backup.sessions[0], messages: [{ role: "tool", content: "x", at: "2026-01-02T03:04:05.678Z" }] },
        ],
      }),
      "sessions.0.messages.0.role",
      'must be "user" or "assistant" or "system"',
    ],
  ];

  it("takes a part with no items (nothing to write)", async () => {
    const response = await importInto(c, { format: "sos-export/1" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      imported: empty,
      unchanged: empty,
      embedding: { model: "sos-hash-v1", restored: 0, embedded: 0, pending: 0 },
    });
  });

  for (const [what, body, field, message] of cases) {
    it(`refuses ${what} with a 400 naming ${field}, and writes nothing`, async () => {
      const response = await importInto(c, body());
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.error).toEqual({ code: "invalid_request", message: `${field}: ${message}`, field });
      expect((await exported(c)).counts).toEqual(empty);
    });
  }

  it("refuses a body over 4 MiB with a 413, and takes one over the default 256 KiB", async () => {
    const huge = `{"format":"sos-export/1","engrams":[],"pad":"${"x".repeat(4 * 1024 * 1024)}"}`;
    const refused = await importInto(c, huge);
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({ code: "payload_too_large", field: "body" });
    expect((await exported(c)).counts).toEqual(empty);

    const large = Array.from({ length: 10 }, (_, index) =>
      engram({ text: `long engram ${index} `.repeat(2_500).slice(0, 30_000), agent: "large-import" }),
    );
    const body = { format: "sos-export/1", engrams: large };
    expect(JSON.stringify(body).length).toBeGreaterThan(256 * 1024);
    const accepted = await importInto(c, body);
    expect(accepted.status).toBe(200);
    expect(accepted.body.imported.engrams).toBe(10);
    // Set apart again, so C starts the next test empty.
    expect((await c.request("DELETE", "/api/data", { confirm: "erase everything" })).status).toBe(200);
  });
});

describe("POST /api/import: a backup in parts", () => {
  it("two halves give the same result as the whole", async () => {
    const half = Math.ceil(backup.engrams.length / 2);
    const first = {
      format: "sos-export/1",
      engrams: backup.engrams.slice(0, half),
      sessions: backup.sessions.slice(0, 1),
      agent_state: backup.agent_state,
    };
    const second = {
      format: "sos-export/1",
      engrams: backup.engrams.slice(half),
      sessions: backup.sessions.slice(1),
      contacts: backup.contacts,
    };
    const results = [await importInto(c, first), await importInto(c, second)];
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    const sum = Object.fromEntries(
      Object.keys(empty).map((kind) => [kind, results[0]!.body.imported[kind] + results[1]!.body.imported[kind]]),
    );
    expect(sum).toEqual(backup.counts);
    expect(content(await exported(c))).toEqual(content(backup));
    expect(await rowCounts(c)).toEqual(await rowCounts(b));
  });

  it("a session whose lifetime is over is skipped, not brought back", async () => {
    const longAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    const stale = {
      id: "stale-session",
      created_at: longAgo,
      updated_at: longAgo,
      messages: [{ role: "user", content: "old words", at: longAgo }],
    };
    const response = await importInto(c, { format: "sos-export/1", sessions: [stale, ...backup.sessions] });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      imported: empty,
      unchanged: { sessions: 2 },
      skipped: { sessions: 1 },
    });
    expect((await c.request("GET", "/api/sessions/stale-session")).status).toBe(404);
  });
});

describe("POST /api/import: an export made before vectors were exported", () => {
  it("embeds its engrams (embedding null, or the seed column's base64), giving the same vectors", async () => {
    const older = {
      ...backup,
      engrams: backup.engrams.map((engram: { id: string }) => ({
        ...engram,
        embedding: engram.id === ids["tea"] ? "AQID+g==" : null,
      })),
    };
    const response = await importInto(d, older);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.embedding).toEqual({ model: "sos-hash-v1", restored: 0, embedded: 5, pending: 0 });
    // The hashing embedding is deterministic: D's vectors are A's, and so is its export.
    expect(content(await exported(d))).toEqual(content(backup));
    expect(await scalar(d, "SELECT count(*) AS n FROM engrams WHERE embedding IS NOT NULL")).toBe(0);
  });
});

describe("POST /api/import: a backup's vectors and the embedding model", () => {
  const embeddingCalls = () =>
    vendors()
      .requests()
      .filter((request) => request.path.endsWith("/embeddings"));
  let fromE: any;

  it("embeds anew under another model (the backup's vectors are of the hashing embedding)", async () => {
    vendors().reset();
    const response = await importInto(e, backup);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.embedding).toEqual({ model: "text-embedding-3-small", restored: 0, embedded: 5, pending: 0 });
    expect(embeddingCalls().length).toBeGreaterThan(0);
    fromE = await exported(e);
    expect(fromE.engrams.map((engram: { embedding: { model: string; dims: number } }) => engram.embedding)).toEqual(
      Array(5).fill(expect.objectContaining({ model: "text-embedding-3-small", dims: 8 })),
    );
  });

  it("takes the vectors as they are under the same model, without calling the embedder", async () => {
    vendors().reset();
    const response = await importInto(f, fromE);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.embedding).toEqual({ model: "text-embedding-3-small", restored: 5, embedded: 0, pending: 0 });
    expect(await storedVectors(f)).toEqual(await storedVectors(e));
    expect(content(await exported(f))).toEqual(content(fromE));
    // The upkeep that follows an import finds nothing to embed either.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(embeddingCalls()).toEqual([]);
  });
});
