import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../../cli/local-worker";
import { startCloudflareEmulator, type CloudflareEmulator } from "../../support/cloudflare-emulator";
import { installPulumiMocks, type RegisteredResource } from "../../support/pulumi-mocks";
import { runSos, sosSandbox, type SosSandbox } from "../../support/sos-cli";
import { planFromProgram, writePlan } from "../../support/sos-plan";
import { defaultTestVars } from "../../support/worker-harness";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "cf-token-backup-restore";
const keys = { a: "agent-key-a-0123456789abcdef0123456789", b: "agent-key-b-0123456789abcdef0123456789" };

let emulator: CloudflareEmulator;
let registered: RegisteredResource[];
const workers: Partial<Record<"a" | "b", LocalWorker>> = {};
let box: SosSandbox;

async function api(worker: "a" | "b", method: string, route: string, body?: unknown): Promise<any> {
  const response = await fetch(new URL(route, workers[worker]!.url), {
    method,
    headers: { authorization: `Bearer ${keys[worker]}`, ...(body !== undefined && { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, `${method} ${route}`).toBeLessThan(300);
  return response.json();
}

/** Sets up stack `name` with sos init, its outputs pointing at the live worker of the same name. */
async function initStack(name: "a" | "b"): Promise<void> {
  const database = emulator.createD1Database(`sos-${name}-memory`);
  const plan = await planFromProgram(
    registered,
    { "sos:accountId": accountId, "cloudflare:apiToken": token, "sos:workersDevSubdomain": "sos-test" },
    {
      workerUrl: workers[name]!.url.href,
      pagesUrl: `https://sos-${name}-chat.pages.dev`,
      d1DatabaseId: database.uuid,
      kvNamespaceId: `kv-${name}`,
      agentId: defaultTestVars.AGENT_ID,
      agentKey: { secret: keys[name] },
    },
    name,
  );
  const env = { ...box.env, FAKE_PULUMI_PLAN: writePlan(path.join(box.dir, `plan-${name}.json`), plan) };
  const run = await runSos(["init", "--stack", name, "--non-interactive", "--yes"], env);
  expect(run.code, run.stderr).toBe(0);
}

const sos = (args: string[], stack: "a" | "b") =>
  runSos(args, { ...box.env, FAKE_PULUMI_PLAN: path.join(box.dir, `plan-${stack}.json`) }, { cwd: box.dir });

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token, accountId });
  registered = await installPulumiMocks("main");
  for (const name of ["a", "b"] as const) {
    workers[name] = await startLocalWorker({ vars: { ...defaultTestVars, AGENT_KEY: keys[name] }, port: 0 });
  }
  box = sosSandbox({ CLOUDFLARE_API_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_TOKEN: token });
  await initStack("a");
  await initStack("b");
}, 180_000);

afterAll(async () => {
  await workers.a?.close();
  await workers.b?.close();
  await emulator.close();
});

describe("sos status, backup and restore", () => {
  it("status prints the outputs and the worker's health, never the key", async () => {
    const run = await sos(["status", "--stack", "a"], "a");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`workerUrl: ${workers.a!.url.href}`);
    expect(run.stdout).toMatch(/Worker healthy: runtime \d+\.\d+\.\d+, schema \d{4}_/);
    expect(run.stdout).not.toContain(keys.a);
    const json = await sos(["status", "--stack", "a", "--json"], "a");
    expect(JSON.parse(json.stdout)).toMatchObject({ stack: "a", health: { status: "ok" } });
  });

  it("moves every memory, the state, sessions and the inbox into an empty deployment, and a second restore changes nothing", async () => {
    const texts = ["The user prefers green tea", "Rendez-vous au café à 8 h ☕", "多言語のメモ: 東京で会議"];
    for (const text of texts) await api("a", "POST", "/api/memories", { text, core_concepts: ["backup"] });
    await api("a", "PATCH", "/api/state", { inner: { p: 0.9 } });
    const before = await api("a", "GET", "/api/export");

    const file = path.join(box.dir, "backup-a.json");
    const backup = await sos(["backup", "--stack", "a", "--file", file], "a");
    expect(backup.code, backup.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.counts.engrams).toBe(3);
    expect(saved.time_travel.bookmark).toMatch(/\S+/);
    expect(backup.stdout).toContain(`--bookmark=${saved.time_travel.bookmark}`);

    expect((await api("b", "GET", "/api/export")).counts.engrams).toBe(0);
    const restore = await sos(["restore", "--stack", "b", "--file", file, "--yes"], "b");
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain("Imported 1 agent state, 3 engrams");
    const after = await api("b", "GET", "/api/export");
    expect(after.counts).toEqual(before.counts);
    const byId = (document: any) =>
      Object.fromEntries(document.engrams.map((engram: any) => [engram.id, engram.text]));
    expect(byId(after)).toEqual(byId(before));
    expect(after.agent_state[0].uv_16d.inner.p).toBe(0.9);

    const again = await sos(["restore", "--stack", "b", "--file", file, "--yes"], "b");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Imported 0 agent state, 0 engrams, 0 sessions, 0 contacts");
    expect((await api("b", "GET", "/api/export")).counts).toEqual(before.counts);
  });

  it("refuses a file that is not a backup, naming what is wrong", async () => {
    const run = await sos(["restore", "--stack", "b", "--file", path.join(box.dir, "plan-a.json"), "--yes"], "b");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not an SOS backup");
  });

  it("destroy keeps the memories and says how to deploy again on them", async () => {
    const database = JSON.parse(readFileSync(path.join(box.dir, "plan-a.json"), "utf8")).outputs.d1DatabaseId;
    const refused = await sos(["destroy", "--stack", "a"], "a");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Pass --yes to confirm");
    const run = await sos(["destroy", "--stack", "a", "--yes"], "a");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("keep in your account, remove from the stack: D1 database (memories)");
    expect(run.stdout).toContain("delete Worker (the runtime)");
    expect(run.stdout).toContain(`D1 database sos-a-memory (id ${database}) is still in your account, with every memory.`);
    expect(run.stdout).toContain(`sos init --stack a --adopt-database-id ${database}`);
    const status = await sos(["status", "--stack", "a"], "a");
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("has no workerUrl output: it has not been deployed yet");
  });
});
