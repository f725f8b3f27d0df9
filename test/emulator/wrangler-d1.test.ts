import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../support/cloudflare-emulator";
import { transactionRefusal } from "../support/cloudflare-emulator-d1-sql";
import { wranglerProject, wranglerTimeout, type WranglerProject } from "../support/wrangler";

/**
 * The emulator's fidelity check: the real wrangler CLI, pointed at it with CLOUDFLARE_API_BASE_URL,
 * must apply migrations and run queries exactly as it would against api.cloudflare.com.
 */

const accountId = "0123456789abcdef0123456789abcdef";

const initSql = `-- 0001: notes and their full-text index; a trigger keeps them in step.
CREATE TABLE notes (id INTEGER PRIMARY KEY, agent TEXT NOT NULL, body TEXT NOT NULL);
CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');
CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts (rowid, body) VALUES (new.id, new.body);
END;
`;
const seedSql = `-- 0002: a first note; the semicolon in this comment; and in the string must not split anything
INSERT INTO notes (agent, body) VALUES ('river', 'remember the tide; it turns at noon');
`;

let emulator: CloudflareEmulator;
let uuid: string;
let project: WranglerProject;
const wrangler = (...args: string[]) => project.run(...args);
const writeMigration = (name: string, sql: string) => project.writeMigration(name, sql);

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "wrangler-test-token", accountId });
  uuid = emulator.createD1Database("sos-test-memory").uuid;
  project = wranglerProject(emulator, { name: "sos-test-memory", uuid });
  writeMigration("0001_init.sql", initSql);
  writeMigration("0002_seed.sql", seedSql);
});

afterAll(async () => {
  await emulator?.close();
  project?.remove();
});

describe("wrangler d1 against the emulator", () => {
  it(
    "applies the migrations, each file with its d1_migrations row in one request",
    async () => {
      emulator.resetRequests();
      const run = await wrangler("d1", "migrations", "apply", "sos-test-memory", "--remote");
      expect(run.stderr).not.toMatch(/ERROR/);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/0001_init\.sql\s*│\s*✅/);
      expect(run.stdout).toMatch(/0002_seed\.sql\s*│\s*✅/);

      const db = emulator.d1(uuid);
      const schema = db
        .prepare(
          "SELECT type, name FROM sqlite_master WHERE name IN ('notes', 'notes_fts', 'notes_ai', 'd1_migrations') ORDER BY name",
        )
        .all();
      expect(schema).toEqual([
        { type: "table", name: "d1_migrations" },
        { type: "table", name: "notes" },
        { type: "trigger", name: "notes_ai" },
        { type: "table", name: "notes_fts" },
      ]);
      const applied = db.prepare("SELECT id, name, applied_at FROM d1_migrations ORDER BY id").all() as {
        applied_at: string;
      }[];
      expect(applied).toEqual([
        { id: 1, name: "0001_init.sql", applied_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) },
        { id: 2, name: "0002_seed.sql", applied_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) },
      ]);
      // The trigger ran inside the seed's request: the full-text index already knows the note.
      expect(db.prepare("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'tide'").all()).toEqual([{ rowid: 1 }]);

      const sqlSent = emulator.requests.map((request) => (request.body as { sql?: string } | undefined)?.sql ?? "");
      expect(
        emulator.requests.every((request) => request.path === `/accounts/${accountId}/d1/database/${uuid}/query`),
      ).toBe(true);
      expect(
        sqlSent.filter((sql) => sql.includes("CREATE TABLE notes ") && sql.includes("values ('0001_init.sql')")),
      ).toHaveLength(1);
      expect(
        sqlSent.filter((sql) => sql.includes("INSERT INTO notes ") && sql.includes("values ('0002_seed.sql')")),
      ).toHaveLength(1);
    },
    wranglerTimeout,
  );

  it(
    "finds nothing to apply the second time and writes nothing",
    async () => {
      emulator.resetRequests();
      const run = await wrangler("d1", "migrations", "apply", "sos-test-memory", "--remote");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("No migrations to apply");
      const sqlSent = emulator.requests.map((request) => (request.body as { sql: string }).sql);
      expect(sqlSent).toHaveLength(2);
      expect(sqlSent[0]).toMatch(/^CREATE TABLE IF NOT EXISTS d1_migrations/);
      expect(sqlSent[1]).toMatch(/^SELECT \*\s+FROM d1_migrations/);
    },
    wranglerTimeout,
  );

  it(
    "executes a query and prints its rows, with --json and (stdout not being a TTY) without",
    async () => {
      const json = await wrangler(
        "d1",
        "execute",
        "sos-test-memory",
        "--remote",
        "--json",
        "--command",
        "SELECT id, agent, body FROM notes ORDER BY id",
      );
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.stdout) as {
        results: unknown[];
        success: boolean;
        meta: Record<string, unknown>;
      }[];
      expect(parsed).toEqual([
        {
          results: [{ id: 1, agent: "river", body: "remember the tide; it turns at noon" }],
          success: true,
          meta: expect.objectContaining({ changed_db: false, rows_read: 1 }),
        },
      ]);

      const plain = await wrangler(
        "d1",
        "execute",
        "sos-test-memory",
        "--remote",
        "--command",
        "SELECT agent FROM notes; SELECT count(*) AS total FROM notes",
      );
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain("Executed 2 commands");
      const printed = JSON.parse(plain.stdout.slice(plain.stdout.indexOf("\n[") + 1)) as { results: unknown[] }[];
      expect(printed.map((result) => result.results)).toEqual([[{ agent: "river" }], [{ total: 1 }]]);
    },
    wranglerTimeout,
  );

  it(
    "reports an SQL error as D1 words it, in wrangler's --json error",
    async () => {
      const run = await wrangler("d1", "execute", "sos-test-memory", "--remote", "--json", "--command", "SELEC 1");
      expect(run.code).not.toBe(0);
      const { error } = JSON.parse(run.stdout) as { error: { name: string; code: number; notes: { text: string }[] } };
      expect(error).toMatchObject({ name: "APIError", code: 7500 });
      expect(error.notes).toEqual([{ text: 'near "SELEC": syntax error at offset 0: SQLITE_ERROR [code: 7500]' }]);
    },
    wranglerTimeout,
  );

  it(
    "reads a Time Travel bookmark and restores it",
    async () => {
      const info = await wrangler("d1", "time-travel", "info", "sos-test-memory", "--json");
      expect(info.code).toBe(0);
      const { bookmark } = JSON.parse(info.stdout) as { bookmark: string };
      expect(bookmark).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);

      const write = await fetch(`${emulator.baseUrl}/accounts/${accountId}/d1/database/${uuid}/query`, {
        method: "POST",
        headers: { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" },
        body: JSON.stringify({ sql: "INSERT INTO notes (agent, body) VALUES ('river', 'a mistake')" }),
      });
      expect(write.status).toBe(200);
      expect(emulator.d1(uuid).prepare("SELECT count(*) AS n FROM notes").get()).toEqual({ n: 2 });

      const restore = await wrangler(
        "d1",
        "time-travel",
        "restore",
        "sos-test-memory",
        "--bookmark",
        bookmark,
        "--json",
      );
      expect(restore.code).toBe(0);
      const restored = JSON.parse(restore.stdout) as { bookmark: string; previous_bookmark: string };
      expect(restored.previous_bookmark > bookmark).toBe(true);
      expect(restored.bookmark > restored.previous_bookmark).toBe(true);
      expect(emulator.d1(uuid).prepare("SELECT count(*) AS n FROM notes").get()).toEqual({ n: 1 });
    },
    wranglerTimeout,
  );

  it(
    "fails a migration holding BEGIN TRANSACTION with D1's message and keeps nothing of it",
    async () => {
      writeMigration(
        "0003_wrapped.sql",
        "CREATE TABLE wrapped (a);\nBEGIN TRANSACTION;\nINSERT INTO wrapped VALUES (1);\nCOMMIT;\n",
      );
      const run = await wrangler("d1", "migrations", "apply", "sos-test-memory", "--remote");
      expect(run.code).not.toBe(0);
      expect(run.stdout).toMatch(/0003_wrapped\.sql\s*│\s*❌/);
      expect(run.stderr.replace(/\s+/g, " ")).toContain(`${transactionRefusal} [code: 7500]`);
      const db = emulator.d1(uuid);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'wrapped'").all()).toEqual([]);
      expect(db.prepare("SELECT count(*) AS n FROM d1_migrations").get()).toEqual({ n: 2 });
    },
    wranglerTimeout,
  );
});
