import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { retryPolicy } from "../../stack/cloudflare-api";
import {
  d1MigrationsProvider,
  migrationRequests,
  pendingMigrations,
  type D1MigrationsInputs,
  type D1MigrationsState,
} from "../../stack/d1-migrations";
import { readMigrationFiles } from "../../stack/migration-plan";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "migrations-test-token";
const emulator = useCloudflareEmulator({ token, accountId });
const folders: string[] = [];

afterAll(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const files = {
  "0001_notes.sql": "CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL);\n",
  "0002_tags.sql": "CREATE TABLE tags (note TEXT NOT NULL, tag TEXT NOT NULL);\nCREATE INDEX idx_tags ON tags(tag);\n",
  "0003_seed.sql": "INSERT INTO notes (id, body) VALUES ('n1', 'first; with a semicolon');\n",
};

/** A schema folder holding `contents`, and the inputs the stack would give the resource for it. */
function inputsFor(
  contents: Record<string, string>,
  databaseId: string,
  databaseName = "test-memory",
): D1MigrationsInputs {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-schema-"));
  folders.push(dir);
  for (const [name, text] of Object.entries(contents)) writeFileSync(path.join(dir, name), text);
  return { accountId, databaseId, databaseName, apiToken: token, ...migrationRequests(readMigrationFiles(dir)) };
}

function tables(uuid: string): string[] {
  return (
    emulator()
      .d1(uuid)
      .prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
}

function recorded(uuid: string): string[] {
  return (emulator().d1(uuid).prepare("SELECT name FROM d1_migrations ORDER BY id").all() as { name: string }[]).map(
    (row) => row.name,
  );
}

let uuid: string;
beforeEach(() => {
  uuid = emulator().createD1Database(`db-${Math.random().toString(36).slice(2)}`).uuid;
  emulator().resetRequests();
});

describe("D1 migrations provider", () => {
  it("creates: applies every file in numeric order, recorded as wrangler records them, after a bookmark", async () => {
    const inputs = inputsFor(files, uuid);
    const { id, outs } = await d1MigrationsProvider.create!(inputs);
    expect(id).toBe(`${uuid}/migrations`);
    expect(recorded(uuid)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
    expect(tables(uuid)).toEqual(expect.arrayContaining(["d1_migrations", "notes", "tags", "idx_tags"]));
    expect(emulator().d1(uuid).prepare("SELECT body FROM notes").all()).toEqual([{ body: "first; with a semicolon" }]);
    expect(Object.keys(outs!.applied)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
    expect(outs!.applied["0002_tags.sql"]).toBe(inputs.files["0002_tags.sql"]!.checksum);
    expect(outs!.bookmark).not.toBe("");
    expect(outs!.appliedOutside).toEqual([]);
    const paths = emulator().requests.map(
      (request) => `${request.method} ${request.path.split("/").slice(-2).join("/")}`,
    );
    expect(paths).toEqual(
      [
        `POST ${uuid}/query`,
        "time_travel/bookmark",
        `POST ${uuid}/query`,
        `POST ${uuid}/query`,
        `POST ${uuid}/query`,
      ].map((entry) => (entry.startsWith("time") ? `GET ${entry}` : entry)),
    );
  });

  it("diffs: no change when nothing is pending, and each new file named when there is", async () => {
    const first = inputsFor({ "0001_notes.sql": files["0001_notes.sql"] }, uuid);
    const { outs } = await d1MigrationsProvider.create!(first);
    emulator().resetRequests();
    const same = await d1MigrationsProvider.diff!("id", outs!, first);
    expect(same.changes).toBe(false);

    const next = inputsFor(files, uuid);
    const upgrade = await d1MigrationsProvider.diff!("id", outs!, next);
    expect(upgrade.changes).toBe(true);
    expect(upgrade.replaces ?? []).toEqual([]);
    expect(pendingMigrations(outs!.applied, next.files)).toEqual(["0002_tags.sql", "0003_seed.sql"]);
    // The engine shows the inputs that differ; `files` is keyed by name, so preview lists the new files.
    const added = Object.keys(next.files).filter((name) => !(name in outs!.files));
    expect(added).toEqual(["0002_tags.sql", "0003_seed.sql"]);
    expect(emulator().requests).toEqual([]);

    const otherDatabase = await d1MigrationsProvider.diff!("id", outs!, { ...next, databaseId: "another" });
    expect(otherDatabase.replaces).toEqual(["databaseId"]);
  });

  it("ignores the engine's own provider field; a new token is an update that runs nothing", async () => {
    const inputs = inputsFor(files, uuid);
    const { outs } = await d1MigrationsProvider.create!(inputs);
    const same = await d1MigrationsProvider.diff!(
      "id",
      { ...outs!, __provider: "old" } as D1MigrationsState,
      { ...inputs, __provider: "new" } as D1MigrationsInputs,
    );
    expect(same.changes).toBe(false);

    // State must hold the token refresh and destroy will use: the rotation is a change...
    const rotated = { ...inputs, apiToken: "rotated" };
    expect(await d1MigrationsProvider.diff!("id", outs!, rotated)).toEqual({ changes: true });
    // ...stored by an update that calls nothing (the new token need not even be valid yet).
    emulator().resetRequests();
    const { outs: stored } = await d1MigrationsProvider.update!("id", outs!, rotated);
    expect(emulator().requests).toEqual([]);
    expect(stored).toEqual({ ...outs!, apiToken: "rotated" });
  });

  it("keeps each file's SQL once in state: in the inputs, with only its checksum in the outputs", async () => {
    const inputs = inputsFor(files, uuid);
    const { outs } = await d1MigrationsProvider.create!(inputs);
    expect(outs!.files).toEqual(
      Object.fromEntries(Object.entries(inputs.files).map(([name, { checksum }]) => [name, { checksum }])),
    );
    expect(JSON.stringify(outs)).not.toContain("CREATE TABLE notes");
  });

  it("refuses an applied file edited afterwards, naming it, in diff and in update", async () => {
    const inputs = inputsFor(files, uuid);
    const { outs } = await d1MigrationsProvider.create!(inputs);
    const edited = inputsFor({ ...files, "0002_tags.sql": `${files["0002_tags.sql"]}-- edited\n` }, uuid);
    const message = /0002_tags\.sql was edited after being applied.*add a new migration/;
    await expect(d1MigrationsProvider.diff!("id", outs!, edited)).rejects.toThrow(message);
    emulator().resetRequests();
    await expect(d1MigrationsProvider.update!("id", outs!, edited)).rejects.toThrow(message);
    expect(emulator().requests).toEqual([]);
  });

  it("updates: applies only the pending files; with nothing pending, one read request and no write", async () => {
    const first = inputsFor({ "0001_notes.sql": files["0001_notes.sql"] }, uuid);
    const created = await d1MigrationsProvider.create!(first);
    const next = inputsFor(files, uuid);
    const { outs } = await d1MigrationsProvider.update!("id", created.outs!, next);
    expect(recorded(uuid)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
    expect(Object.keys(outs!.applied)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);

    const before = emulator().d1(uuid).serialize();
    emulator().resetRequests();
    const again = await d1MigrationsProvider.update!("id", outs!, next);
    expect(emulator().requests).toHaveLength(1);
    expect(emulator().requests[0]!.method).toBe("POST");
    expect(Buffer.compare(emulator().d1(uuid).serialize(), before)).toBe(0);
    expect(again.outs!.applied).toEqual(outs!.applied);
  });

  it("stops at a failing file: earlier ones kept, nothing of it, later ones not run; the error gives the bookmark", async () => {
    const broken = {
      "0001_notes.sql": files["0001_notes.sql"],
      "0002_tags.sql":
        "CREATE TABLE tags (note TEXT NOT NULL, tag TEXT NOT NULL);\nCREATE INDEXX idx_tags ON tags(tag);\n",
      "0003_seed.sql": files["0003_seed.sql"],
    };
    const inputs = inputsFor(broken, uuid, "tenant-memory");
    const failure = await d1MigrationsProvider.create!(inputs).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Migration 0002_tags\.sql failed and was not applied/);
    expect(message).toMatch(/INDEXX/);
    expect(message).toMatch(/Applied before it: 0001_notes\.sql\. Not run: 0003_seed\.sql\./);
    const bookmark = /bookmark before this upgrade: (\S+)/.exec(message)?.[1];
    expect(bookmark).toBeTruthy();
    expect(message).toContain(`wrangler d1 time-travel restore tenant-memory --bookmark=${bookmark}`);
    expect(recorded(uuid)).toEqual(["0001_notes.sql"]);
    expect(tables(uuid)).not.toContain("tags");
    expect(emulator().d1(uuid).prepare("SELECT count(*) AS n FROM notes").get()).toEqual({ n: 0 });

    const fixed = inputsFor(files, uuid, "tenant-memory");
    const { outs } = await d1MigrationsProvider.create!(fixed);
    expect(recorded(uuid)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
    expect(outs!.appliedOutside).toEqual(["0001_notes.sql"]);
  });

  it("refreshes: records migrations applied outside the stack instead of running them again", async () => {
    const first = inputsFor({ "0001_notes.sql": files["0001_notes.sql"] }, uuid);
    const { outs } = await d1MigrationsProvider.create!(first);
    // Applied by someone else, the way wrangler does it: the file, then its row.
    const db = emulator().d1(uuid);
    db.exec(files["0002_tags.sql"]);
    db.prepare("INSERT INTO d1_migrations (name) VALUES ('0002_tags.sql')").run();

    const next = inputsFor(files, uuid);
    const read = await d1MigrationsProvider.read!("id", { ...outs!, files: next.files });
    expect(read.props!.appliedOutside).toEqual(["0002_tags.sql"]);
    expect(read.props!.applied["0002_tags.sql"]).toBe(next.files["0002_tags.sql"]!.checksum);
    expect(pendingMigrations(read.props!.applied, next.files)).toEqual(["0003_seed.sql"]);

    const { outs: updated } = await d1MigrationsProvider.update!("id", read.props!, next);
    expect(recorded(uuid)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
    expect(updated!.appliedOutside).toEqual(["0002_tags.sql"]);
  });

  it("deletes without touching the data", async () => {
    const inputs = inputsFor(files, uuid);
    const { outs } = await d1MigrationsProvider.create!(inputs);
    emulator().resetRequests();
    await d1MigrationsProvider.delete!("id", outs!);
    expect(emulator().requests).toEqual([]);
    expect(recorded(uuid)).toHaveLength(3);
  });

  it("retries D1's 10021 while creating (the database is new), not in a later update", async () => {
    const waits: number[] = [];
    const sleep = vi.spyOn(retryPolicy, "sleep").mockImplementation(async (ms) => void waits.push(ms));
    try {
      const query = `/accounts/${accountId}/d1/database/${uuid}/query`;
      const notReady = { path: query, status: 400, errors: [{ code: 10021, message: "database not ready" }] };
      emulator().injectFault({ ...notReady, times: 2 });
      const inputs = inputsFor({ "0001_notes.sql": files["0001_notes.sql"] }, uuid);
      const { outs } = await d1MigrationsProvider.create!(inputs);
      expect(waits).toEqual([1000, 2000]);
      expect(recorded(uuid)).toEqual(["0001_notes.sql"]);

      emulator().injectFault(notReady);
      await expect(d1MigrationsProvider.update!("id", outs!, inputsFor(files, uuid))).rejects.toThrow(
        /^400 query D1 database 'test-memory': database not ready \[code 10021\]$/,
      );
      expect(waits).toEqual([1000, 2000]);
    } finally {
      sleep.mockRestore();
    }
  });

  it("counts a file whose answer was lost after D1 applied it as applied, not as failed", async () => {
    const sleep = vi.spyOn(retryPolicy, "sleep").mockImplementation(async () => undefined);
    try {
      emulator().injectFault({
        path: `/accounts/${accountId}/d1/database/${uuid}/query`,
        body: /CREATE TABLE tags/,
        network: true,
        afterRoute: true,
      });
      const { outs } = await d1MigrationsProvider.create!(inputsFor(files, uuid));
      expect(recorded(uuid)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
      expect(Object.keys(outs!.applied)).toEqual(["0001_notes.sql", "0002_tags.sql", "0003_seed.sql"]);
      expect(emulator().pendingFaults()).toBe(0);
    } finally {
      sleep.mockRestore();
    }
  });

  it("reports a wrong token as the API's authentication error", async () => {
    const inputs = { ...inputsFor(files, uuid), apiToken: "wrong" };
    await expect(d1MigrationsProvider.create!(inputs)).rejects.toThrow(/^(401|403) query D1 database 'test-memory': /);
  });
});
