import { describe, expect, it } from "vitest";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";
import { stepsByName, useLifecycleProgram } from "./lifecycle-program";
import { FakeEngine, type Operation } from "./fake-engine";

/**
 * Coming back after `pulumi destroy`: the program, its serialized dynamic providers and the emulator,
 * over a stack's life. Up, store memories, destroy keeping the data, up again (refused beside the kept
 * database, with the config that takes it over), up adopting it: memories and migrations intact.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "lifecycle-adopt-token";
const emulator = useCloudflareEmulator({ token, accountId });

const declare = useLifecycleProgram("adopt", accountId);
const program = (values: Record<string, string>, stack = "adopt") =>
  declare(stack, { "cloudflare:apiToken": token, ...values });


function expectSuccess(operation: Operation): void {
  expect(operation.error, operation.error).toBeUndefined();
}

describe("destroy keeping the data, then coming back to it", () => {
  it("keeps the memories, says how to come back, refuses to start beside them, and adopts them", async () => {
    const engine = new FakeEngine(emulator(), "adopt");
    const first = await engine.up(program({}));
    expectSuccess(first);
    expect(stepsByName(first)["sos-memory"]).toBe("create");
    const database = emulator()
      .d1Databases()
      .find((candidate) => candidate.name === "sos-adopt-memory")!;
    expect(database).toBeDefined();
    // The subdomain was read at deploy time, by the resource.
    expect(engine.entry("sos-workers-dev-subdomain")!.outputs.subdomain).toBe("sos-test");
    expect(
      emulator()
        .workersScripts()
        .map((script) => script.name),
    ).toContain("sos-adopt-worker");

    // Memories, as the worker stores them.
    const sqlite = () => emulator().d1(database.uuid);
    sqlite()
      .prepare("INSERT INTO engrams (id, agent, text, importance) VALUES (?, ?, ?, ?)")
      .run("m1", "sos-adopt", "The user prefers green tea", 0.8);
    const migrations = () =>
      (sqlite().prepare("SELECT name FROM d1_migrations ORDER BY id").all() as { name: string }[]).map(
        (row) => row.name,
      );
    const applied = migrations();
    expect(applied.length).toBeGreaterThan(0);

    const destroyed = await engine.destroy();
    expectSuccess(destroyed);
    expect(stepsByName(destroyed)).toMatchObject({
      "sos-memory": "retain",
      "sos-worker": "delete",
      "sos-session": "delete",
      "sos-chat": "delete",
    });
    expect(engine.state).toEqual([]);
    expect(
      emulator()
        .d1Databases()
        .some((candidate) => candidate.uuid === database.uuid),
    ).toBe(true);
    expect(
      emulator()
        .workersScripts()
        .map((script) => script.name),
    ).not.toContain("sos-adopt-worker");
    expect(emulator().hasPagesProject("sos-adopt-chat")).toBe(false);
    // What the user reads at the end of `pulumi destroy`: what was kept and the exact way back.
    const notice = destroyed.diagnostics.join("\n");
    expect(notice).toContain(`Kept: the D1 database 'sos-adopt-memory' (${database.uuid}) in account ${accountId}`);
    expect(notice).toContain(`pulumi config set sos:accountId ${accountId}`);
    expect(notice).toContain("pulumi config set sos:prefix sos-adopt");
    expect(notice).toContain(`pulumi config set sos:adoptDatabaseId ${database.uuid}`);

    // Up again as before: refused before anything is created, saying how to adopt.
    const refused = await engine.up(program({}));
    expect(refused.error).toContain(`A D1 database named 'sos-adopt-memory' (${database.uuid}) already exists`);
    expect(refused.error).toContain(`pulumi config set sos:adoptDatabaseId ${database.uuid}`);
    expect(stepsByName(refused)).toMatchObject({ "sos-memory": "skip", "sos-worker": "skip" });
    expect(
      emulator()
        .d1Databases()
        .filter((candidate) => candidate.name === "sos-adopt-memory"),
    ).toHaveLength(1);

    // Up adopting it: imported (no new database), its recorded migrations read and not run again.
    emulator().resetRequests();
    const adopted = await engine.up(program({ "sos:adoptDatabaseId": database.uuid }));
    expectSuccess(adopted);
    expect(stepsByName(adopted)).toMatchObject({ "sos-memory": "import", "sos-migrations": "create", "sos-worker": "create" });
    expect(engine.entry("sos-memory")!.id).toBe(database.uuid);
    expect(
      emulator()
        .d1Databases()
        .filter((candidate) => candidate.name === "sos-adopt-memory"),
    ).toHaveLength(1);
    const sqlSent = emulator()
      .requests.filter((request) => request.path.endsWith(`/d1/database/${database.uuid}/query`))
      .map((request) => (request.body as { sql: string }).sql);
    expect(sqlSent.length).toBeGreaterThan(0);
    expect(sqlSent.some((sql) => /INSERT INTO d1_migrations/.test(sql))).toBe(false);
    expect(engine.entry("sos-migrations")!.outputs.appliedOutside).toEqual(applied);
    expect(migrations()).toEqual(applied);
    expect(sqlite().prepare("SELECT id, text FROM engrams").all()).toEqual([
      { id: "m1", text: "The user prefers green tea" },
    ]);
    // The worker binds the adopted database.
    const bindings = emulator()
      .workersScripts()
      .find((script) => script.name === "sos-adopt-worker")!.bindings as {
      name: string;
      id?: string;
    }[];
    expect(bindings.find((binding) => binding.name === "DB")?.id).toBe(database.uuid);

    // Leaving sos:adoptDatabaseId set changes nothing afterwards.
    const again = await engine.up(program({ "sos:adoptDatabaseId": database.uuid }));
    expectSuccess(again);
    expect(Object.values(stepsByName(again)).filter((op) => op !== "same")).toEqual([]);
  });
});
