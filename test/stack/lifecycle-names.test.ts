import { describe, expect, it } from "vitest";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";
import { stepsByName, useLifecycleProgram } from "./lifecycle-program";
import { FakeEngine, type StateEntry } from "./fake-engine";

/**
 * Names over a stack's life: a stack deployed when logical names came from the prefix keeps every
 * resource after the upgrade (aliases); a prefix change is refused at preview, and with the explicit
 * override renames what can be renamed while the database keeps its name and its memories.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "lifecycle-names-token";
const emulator = useCloudflareEmulator({ token, accountId });

const declare = useLifecycleProgram("legacy", accountId);
const program = (values: Record<string, string>, stack = "legacy") =>
  declare(stack, { "cloudflare:apiToken": token, ...values });


/** Resources the earlier release did not have. */
const added = ["sos-names", "sos-kept-data", "sos-workers-dev-subdomain"];

/**
 * The state as the earlier release left it: logical names from the prefix, the component named after
 * it, none of the resources added since, and no kept-deployments count on the frontend.
 */
function asEarlierRelease(state: StateEntry[], prefix: string): StateEntry[] {
  const rename = (urn: string) =>
    urn.replace(/::sos-([a-z-]+)(?=::|$)/g, `::${prefix}-$1`).replace(/::sos$/, `::${prefix}`);
  return state
    .filter((entry) => !added.includes(entry.name))
    .map((entry) => {
      const name = entry.name === "sos" ? prefix : entry.name.replace(/^sos-/, `${prefix}-`);
      const { keepDeployments: _in, ...inputs } = entry.inputs;
      const { keepDeployments: _out, ...outputs } = entry.outputs;
      return {
        ...entry,
        name,
        urn: rename(entry.urn),
        parent: entry.parent && rename(entry.parent),
        provider: entry.provider && rename(entry.provider),
        inputs: entry.name === "sos-frontend" ? inputs : entry.inputs,
        outputs: entry.name === "sos-frontend" ? outputs : entry.outputs,
      };
    });
}

describe("a stack deployed by the earlier release", () => {
  it("keeps every resource on upgrade; a prefix change is refused, then renames all but the database", async () => {
    const engine = new FakeEngine(emulator(), "legacy");
    const values = { "sos:workersDevSubdomain": "sos-test" };
    const first = await engine.up(program(values));
    expect(first.error, first.error).toBeUndefined();
    const database = engine.entry("sos-memory")!;
    emulator()
      .d1(database.id)
      .prepare("INSERT INTO engrams (id, agent, text) VALUES ('m1', 'sos-legacy', 'kept')")
      .run();

    engine.state = asEarlierRelease(engine.state, "sos-legacy");
    expect(engine.state.map((entry) => entry.urn)).toContain(
      "urn:pulumi:legacy::sos::sos:index:SosStack$cloudflare:index/d1Database:D1Database::sos-legacy-memory",
    );
    const before = { databases: emulator().d1Databases().length, namespaces: emulator().kvNamespaces().length };

    // The upgrade: each old URN found through its alias; only what is new is created.
    const upgrade = await engine.up(program(values));
    expect(upgrade.error, upgrade.error).toBeUndefined();
    const created = upgrade.steps.filter((step) => step.op === "create").map((step) => step.name);
    expect(created.sort()).toEqual(["sos-kept-data", "sos-names"]);
    expect(upgrade.steps.filter((step) => ["delete", "replace", "retain"].includes(step.op))).toEqual([]);
    expect(engine.entry("sos-memory")!.id).toBe(database.id);
    expect(engine.entry("sos-memory")!.urn).toBe(
      "urn:pulumi:legacy::sos::sos:index:SosStack$cloudflare:index/d1Database:D1Database::sos-memory",
    );
    expect({ databases: emulator().d1Databases().length, namespaces: emulator().kvNamespaces().length }).toEqual(
      before,
    );

    // A new prefix on the deployed stack: refused at preview, and at up before anything changes.
    const renamed = { ...values, "sos:prefix": "sos-renamed" };
    const preview = await engine.up(program(renamed), { preview: true });
    expect(preview.error).toMatch(/^sos:prefix changed from 'sos-legacy' to 'sos-renamed' on a deployed stack/);
    emulator().resetRequests();
    const refused = await engine.up(program(renamed));
    expect(refused.error).toContain("pulumi config set sos:allowPrefixChange true");
    expect(emulator().requests.filter((request) => request.method !== "GET")).toEqual([]);
    expect(
      emulator()
        .workersScripts()
        .map((script) => script.name),
    ).toContain("sos-legacy-worker");

    // Allowed: the Worker, the Pages project and the namespace take the new names; the database keeps its own.
    const allowed = await engine.up(program({ ...renamed, "sos:allowPrefixChange": "true" }));
    expect(allowed.error, allowed.error).toBeUndefined();
    expect(stepsByName(allowed)).toMatchObject({
      "sos-memory": "same",
      "sos-worker": "replace,delete",
      "sos-chat": "replace,delete",
      "sos-frontend": "replace,delete",
      "sos-session": "update",
    });
    const scripts = emulator()
      .workersScripts()
      .map((script) => script.name);
    expect(scripts).toContain("sos-renamed-worker");
    expect(scripts).not.toContain("sos-legacy-worker");
    expect(emulator().hasPagesProject("sos-renamed-chat")).toBe(true);
    expect(emulator().hasPagesProject("sos-legacy-chat")).toBe(false);
    expect(
      emulator()
        .kvNamespaces()
        .map((namespace) => namespace.title),
    ).toContain("sos-renamed-session");
    expect(
      emulator()
        .d1Databases()
        .find((candidate) => candidate.uuid === database.id)?.name,
    ).toBe("sos-legacy-memory");
    expect(emulator().d1(database.id).prepare("SELECT text FROM engrams").all()).toEqual([{ text: "kept" }]);
    expect(emulator().d1Databases()).toHaveLength(before.databases);
  });
});
