import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "./cloudflare-emulator";
import { transactionRefusal } from "./cloudflare-emulator-d1-sql";

const accountId = "0123456789abcdef0123456789abcdef";
let emulator: CloudflareEmulator;
let uuid: string;

interface Envelope {
  success: boolean;
  errors: { code: number; message: string }[];
  messages: unknown[];
  result: unknown;
  result_info?: unknown;
}

interface StatementResult {
  results: Record<string, unknown>[];
  success: boolean;
  meta: Record<string, unknown>;
}

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "d1-token", accountId });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  uuid = emulator.createD1Database(`db-${Math.random().toString(36).slice(2)}`).uuid;
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Envelope }> {
  const response = await fetch(`${emulator.baseUrl}/accounts/${accountId}/d1/database${path}`, {
    method,
    headers: {
      authorization: "Bearer d1-token",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Envelope };
}

/** Runs a /query that must succeed; returns its per-statement results. */
async function query(body: unknown, id = uuid): Promise<StatementResult[]> {
  const { status, body: envelope } = await api("POST", `/${id}/query`, body);
  expect({ status, errors: envelope.errors }).toEqual({ status: 200, errors: [] });
  return envelope.result as StatementResult[];
}

function tables(id = uuid): string[] {
  return (
    emulator.d1(id).prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((row) => row.name);
}

describe("D1 databases", () => {
  it("creates, lists with a name filter and pages, gets and deletes", async () => {
    const created = await api("POST", "", { name: "tenant-a-memory" });
    expect(created.status).toBe(200);
    const details = created.body.result as Record<string, unknown>;
    expect(details).toMatchObject({
      name: "tenant-a-memory",
      version: "production",
      num_tables: 0,
      file_size: expect.any(Number),
    });
    expect(details.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(details.created_at as string)).not.toBeNaN();

    const listed = await api("GET", "?name=tenant-a&per_page=10&page=1");
    expect(listed.body.result).toEqual([
      {
        uuid: details.uuid,
        name: "tenant-a-memory",
        version: "production",
        created_at: details.created_at,
        jurisdiction: null,
      },
    ]);
    expect(listed.body.result_info).toEqual({ page: 1, per_page: 10, count: 1, total_count: 1 });
    const secondPage = await api("GET", "?per_page=1&page=2");
    expect((secondPage.body.result as unknown[]).length).toBe(1);
    expect(secondPage.body.result_info).toMatchObject({ page: 2, per_page: 1, count: 1 });

    await query({ sql: "CREATE TABLE one (a); CREATE TABLE two (b);" }, details.uuid as string);
    const got = await api("GET", `/${details.uuid as string}`);
    expect(got.body.result).toMatchObject({ uuid: details.uuid, name: "tenant-a-memory", num_tables: 2 });
    // The details endpoint also finds a database by name; queries want the uuid.
    expect((await api("GET", "/tenant-a-memory")).body.result).toEqual(got.body.result);
    expect(await api("POST", "/tenant-a-memory/query", { sql: "SELECT 1" })).toMatchObject({
      status: 404,
      body: { errors: [{ code: 7404 }] },
    });

    expect((await api("DELETE", `/${details.uuid as string}`)).body).toEqual({
      success: true,
      errors: [],
      messages: [],
      result: null,
    });
    expect(await api("GET", `/${details.uuid as string}`)).toEqual({
      status: 404,
      body: {
        success: false,
        errors: [{ code: 7404, message: `The database ${details.uuid as string} could not be found` }],
        messages: [],
        result: null,
      },
    });
  });

  it("refuses a second database of the same name (7502) and a foreign account (7403)", async () => {
    await api("POST", "", { name: "taken" });
    expect(await api("POST", "", { name: "taken" })).toMatchObject({ status: 400, body: { errors: [{ code: 7502 }] } });
    const foreign = await fetch(`${emulator.baseUrl}/accounts/ffffffffffffffffffffffffffffffff/d1/database`, {
      headers: { authorization: "Bearer d1-token" },
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as Envelope).errors).toEqual([
      { code: 7403, message: "The given account is not valid or is not authorized to access this service" },
    ]);
  });
});

describe("D1 query and raw", () => {
  it("runs one statement with params and reports D1's meta", async () => {
    await query({ sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, data BLOB)" });
    const [insert] = await query({ sql: "INSERT INTO notes (body, data) VALUES (?, x'0aff')", params: ["first"] });
    expect(insert).toMatchObject({
      results: [],
      success: true,
      meta: { changes: 1, last_row_id: 1, changed_db: true, rows_written: 1, served_by: "v3-prod" },
    });
    expect(insert!.meta.size_after).toBeGreaterThan(0);
    const [select] = await query({ sql: "SELECT id, body, data FROM notes WHERE body = ?", params: ["first"] });
    expect(select!.results).toEqual([{ id: 1, body: "first", data: [10, 255] }]);
    expect(select!.meta).toMatchObject({ changes: 0, changed_db: false, rows_read: 1, rows_written: 0 });
    const [create] = await query({ sql: "CREATE TABLE later (a)" });
    expect(create!.meta).toMatchObject({ changes: 0, changed_db: true, rows_written: 0 });
  });

  it("answers one result per statement of a multi-statement sql, trigger bodies and quoted semicolons included", async () => {
    const results = await query({
      sql: `-- a comment; with a semicolon
        CREATE TABLE "semi;colon" (v TEXT);
        CREATE TABLE log (v TEXT);
        CREATE TRIGGER copy AFTER INSERT ON "semi;colon" BEGIN
          INSERT INTO log VALUES (new.v || ';copied');
        END;
        INSERT INTO "semi;colon" VALUES ('a;b');
        SELECT v FROM log`,
    });
    expect(results).toHaveLength(5);
    expect(results.every((result) => result.success)).toBe(true);
    expect(results[4]!.results).toEqual([{ v: "a;b;copied" }]);
  });

  it("runs a batch in order, each entry with its own params, results flattened", async () => {
    const results = await query({
      batch: [
        { sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER); INSERT INTO kv VALUES ('a', 1);" },
        { sql: "INSERT INTO kv VALUES (?, ?)", params: ["b", 2] },
        { sql: "SELECT k, v FROM kv ORDER BY k" },
      ],
    });
    expect(results).toHaveLength(4);
    expect(results[3]!.results).toEqual([
      { k: "a", v: 1 },
      { k: "b", v: 2 },
    ]);
  });

  it("answers /raw with columns and rows", async () => {
    const { status, body } = await api("POST", `/${uuid}/raw`, {
      sql: "SELECT 1 AS one, 'x' AS two UNION ALL SELECT 2, 'y'",
    });
    expect(status).toBe(200);
    expect(body.result).toEqual([
      expect.objectContaining({
        success: true,
        results: {
          columns: ["one", "two"],
          rows: [
            [1, "x"],
            [2, "y"],
          ],
        },
      }),
    ]);
  });

  it("has FTS5", async () => {
    const results = await query({
      sql: `CREATE VIRTUAL TABLE docs USING fts5(body);
        INSERT INTO docs (body) VALUES ('the quick brown fox'), ('lazy dogs sleep');
        SELECT body FROM docs WHERE docs MATCH 'quick' ORDER BY bm25(docs);`,
    });
    expect(results[2]!.results).toEqual([{ body: "the quick brown fox" }]);
  });
});

describe("D1 errors and atomicity", () => {
  it("answers a syntax error as D1 does: 400, code 7500, offset and result code", async () => {
    expect(await api("POST", `/${uuid}/query`, { sql: "SELEC 1" })).toEqual({
      status: 400,
      body: {
        success: false,
        errors: [{ code: 7500, message: 'near "SELEC": syntax error at offset 0: SQLITE_ERROR' }],
        messages: [],
        result: null,
      },
    });
  });

  it("names the primary result code of a constraint failure and of a missing table", async () => {
    await query({ sql: "CREATE TABLE u (a UNIQUE); INSERT INTO u VALUES (1);" });
    expect((await api("POST", `/${uuid}/query`, { sql: "INSERT INTO u VALUES (1)" })).body.errors).toEqual([
      { code: 7500, message: "UNIQUE constraint failed: u.a: SQLITE_CONSTRAINT" },
    ]);
    expect((await api("POST", `/${uuid}/query`, { sql: "SELECT * FROM nowhere" })).body.errors).toEqual([
      { code: 7500, message: "no such table: nowhere: SQLITE_ERROR" },
    ]);
  });

  it("keeps nothing of a request whose second statement fails", async () => {
    const { status } = await api("POST", `/${uuid}/query`, {
      sql: "CREATE TABLE kept (a); INSERT INTO missing VALUES (1);",
    });
    expect(status).toBe(400);
    expect(tables()).toEqual([]);
  });

  it("keeps nothing of a batch whose last entry fails", async () => {
    await query({ sql: "CREATE TABLE t (a)" });
    const { status } = await api("POST", `/${uuid}/query`, {
      batch: [{ sql: "INSERT INTO t VALUES (1)" }, { sql: "INSERT INTO t VALUES (?)", params: [1, 2] }],
    });
    expect(status).toBe(400);
    expect(emulator.d1(uuid).prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
  });

  it("refuses BEGIN/COMMIT and SAVEPOINT with workerd's message, keeping nothing", async () => {
    for (const sql of [
      "CREATE TABLE t (a); BEGIN TRANSACTION; INSERT INTO t VALUES (1); COMMIT;",
      "SAVEPOINT s; CREATE TABLE t (a);",
    ]) {
      expect(await api("POST", `/${uuid}/query`, { sql })).toMatchObject({
        status: 400,
        body: { success: false, errors: [{ code: 7500, message: transactionRefusal }] },
      });
    }
    expect(transactionRefusal).toMatch(/^To execute a transaction, please use the state\.storage\.transaction\(\)/);
    expect(tables()).toEqual([]);
  });

  it("refuses a body that is neither a query nor a batch", async () => {
    expect(await api("POST", `/${uuid}/query`, { statements: ["SELECT 1"] })).toMatchObject({
      status: 400,
      body: { errors: [{ code: 7400 }] },
    });
  });
});

describe("D1 Time Travel", () => {
  it("issues a bookmark per write and restores an earlier state", async () => {
    await query({ sql: "CREATE TABLE t (a)" });
    const before = (await api("GET", `/${uuid}/time_travel/bookmark`)).body.result as { bookmark: string };
    expect(before.bookmark).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);
    expect((await api("GET", `/${uuid}/time_travel/bookmark`)).body.result).toEqual(before);

    await query({ sql: "INSERT INTO t VALUES (1), (2)" });
    const after = (await api("GET", `/${uuid}/time_travel/bookmark`)).body.result as { bookmark: string };
    expect(after.bookmark > before.bookmark).toBe(true);

    const restore = await api("POST", `/${uuid}/time_travel/restore?bookmark=${before.bookmark}`);
    expect(restore.status).toBe(200);
    const restored = restore.body.result as { bookmark: string; previous_bookmark: string; message: string };
    expect(restored.previous_bookmark).toBe(after.bookmark);
    expect(restored.bookmark > after.bookmark).toBe(true);
    expect(restored.message).toEqual(expect.any(String));
    expect(emulator.d1(uuid).prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });

    await api("POST", `/${uuid}/time_travel/restore?bookmark=${restored.previous_bookmark}`);
    expect(emulator.d1(uuid).prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 2 });
  });

  it("finds the bookmark of a past timestamp and refuses an unknown bookmark", async () => {
    const first = (await api("GET", `/${uuid}/time_travel/bookmark`)).body.result as { bookmark: string };
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(
      (await api("GET", `/${uuid}/time_travel/bookmark?timestamp=${encodeURIComponent(past)}`)).body.result,
    ).toEqual(first);
    expect(await api("POST", `/${uuid}/time_travel/restore?bookmark=00000000-00000000-00000000-nope`)).toMatchObject({
      status: 400,
      body: { success: false, errors: [{ code: 7400 }] },
    });
  });
});
