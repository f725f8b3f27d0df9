/**
 * The stand-in `pulumi` driven by the real Automation API (LocalWorkspace, Stack), so that what a
 * caller sees through the SDK is what the real CLI would give it; plus direct runs for stdin,
 * event-log files and usage errors.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { createDecipheriv, pbkdf2Sync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CommandError,
  ConcurrentUpdateError,
  type EngineEvent,
  LocalWorkspace,
  type LocalWorkspaceOptions,
  Stack,
} from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SHIM_DIR = path.join(__dirname, "fake-pulumi");
const PASSPHRASE = "correct horse battery staple";
const API_TOKEN = "tok-5e9b1c7d";
const AGENT_KEY = "agent-key-7f3a9c";

const basePlan = {
  resources: [
    { type: "sos:index:SosStack", name: "sos", custom: false },
    {
      type: "cloudflare:index/d1Database:D1Database",
      name: "memory",
      parent: "sos",
      inputs: { name: "sos-dev-memory" },
      retainOnDelete: true,
    },
    {
      type: "pulumi-nodejs:dynamic:Resource",
      name: "migrations",
      parent: "sos",
      inputs: { files: { "0001_init.sql": "hash-1" }, apiToken: API_TOKEN },
      secretInputs: ["apiToken"],
    },
  ],
  outputs: { url: "https://sos-dev.example.workers.dev", agentKey: { secret: AGENT_KEY } },
  configRequired: ["accountId"],
};

let root: string;
let workDir: string;
let stateDir: string;
let pulumiHome: string;
let planFile: string;
let logFile: string;
let savedPath: string | undefined;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PULUMI_BACKEND_URL: `file://${stateDir}`,
  PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
  FAKE_PULUMI_PLAN: planFile,
  FAKE_PULUMI_LOG: logFile,
  ...extra,
});

const workspace = (extra: Record<string, string> = {}, opts: Partial<LocalWorkspaceOptions> = {}) =>
  LocalWorkspace.create({ workDir, pulumiHome, envVars: env(extra), ...opts });

/** Runs the shim directly, as a shell would. */
function run(
  args: string[],
  opts: { input?: string; cwd?: string; env?: Record<string, string> } = {},
): SpawnSyncReturns<string> {
  return spawnSync(path.join(SHIM_DIR, "pulumi"), args, {
    cwd: opts.cwd ?? workDir,
    input: opts.input,
    encoding: "utf8",
    env: { ...process.env, PULUMI_HOME: pulumiHome, ...env(), ...opts.env },
  });
}

const writePlan = (plan: unknown): void => writeFileSync(planFile, JSON.stringify(plan));
const checkpoint = (stack = "dev") =>
  JSON.parse(readFileSync(path.join(stateDir, ".pulumi", "stacks", "sos", `${stack}.json`), "utf8"));
const resourceUrns = (stack = "dev"): string[] =>
  (checkpoint(stack).checkpoint.latest.resources ?? []).map((r: { urn: string }) => r.urn);

/** The passphrase crypter written out from its specification, to check the files byte for byte. */
function decryptWithSalt(encryptionSalt: string, ciphertext: string): string {
  const salt = Buffer.from(encryptionSalt.split(":")[1] as string, "base64");
  const key = pbkdf2Sync(PASSPHRASE, salt, 1_000_000, 32, "sha256");
  const [, nonce, sealed] = ciphertext.split(":") as [string, string, string];
  const bytes = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
  workDir = path.join(root, "project");
  stateDir = path.join(root, "state");
  pulumiHome = path.join(root, "home");
  planFile = path.join(root, "plan.json");
  logFile = path.join(root, "invocations.jsonl");
  for (const dir of [workDir, stateDir, pulumiHome]) mkdirSync(dir);
  writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: sos\nruntime: nodejs\n");
  writePlan(basePlan);
  savedPath = process.env.PATH;
  process.env.PATH = `${SHIM_DIR}${path.delimiter}${savedPath}`;
});

afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(root, { recursive: true, force: true });
});

describe("fake pulumi through the Automation API", () => {
  it("creates and selects a stack, and keeps config in Pulumi.dev.yaml as the real CLI does", async () => {
    const ws = await workspace();
    expect(ws.pulumiVersion).toMatch(/^3\.\d+\.\d+$/);
    const stack = await Stack.createOrSelect("dev", ws);
    await stack.setAllConfig({
      accountId: { value: "0123abcd" },
      "cloudflare:apiToken": { value: API_TOKEN, secret: true },
    });

    const text = readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8");
    expect(text).not.toContain(API_TOKEN);
    const file = parseYaml(text) as { encryptionsalt: string; config: Record<string, unknown> };
    expect(file.encryptionsalt).toMatch(/^v1:[A-Za-z0-9+/]+=*:v1:[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$/);
    expect(decryptWithSalt(file.encryptionsalt, file.encryptionsalt.split(":").slice(2).join(":"))).toBe("pulumi");
    expect(file.config["sos:accountId"]).toBe("0123abcd");
    const secure = (file.config["cloudflare:apiToken"] as { secure: string }).secure;
    expect(secure).toMatch(/^v1:/);
    expect(decryptWithSalt(file.encryptionsalt, secure)).toBe(API_TOKEN);

    expect(await stack.getAllConfig()).toEqual({
      "cloudflare:apiToken": { value: API_TOKEN, secret: true },
      "sos:accountId": { value: "0123abcd", secret: false },
    });
    expect(await stack.getConfig("accountId")).toEqual({ value: "0123abcd", secret: false });
    expect(readFileSync(path.join(stateDir, ".pulumi", "meta.yaml"), "utf8")).toBe("version: 1\n");
    expect(checkpoint().checkpoint.latest.secrets_providers).toEqual({
      type: "passphrase",
      state: { salt: file.encryptionsalt },
    });

    const stacks = await ws.listStacks();
    expect(stacks).toEqual([expect.objectContaining({ name: "dev", current: true, resourceCount: 0 })]);
    expect(await ws.whoAmI()).toEqual({ user: os.userInfo().username, url: `file://${stateDir}` });
  });

  it("previews over the gRPC event stream, with secrets blinded", async () => {
    const stack = await Stack.select("dev", await workspace());
    const events: EngineEvent[] = [];
    const result = await stack.preview({ onEvent: (e) => events.push(e), diff: true });

    expect(result.changeSummary).toEqual({ create: 4 });
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i));
    expect(events[0]?.preludeEvent?.config).toEqual({ "cloudflare:apiToken": "[secret]", "sos:accountId": "0123abcd" });
    const creates = events
      .filter((e) => e.resourcePreEvent?.metadata.op === "create")
      .map((e) => e.resourcePreEvent?.metadata.urn);
    expect(creates).toEqual([
      "urn:pulumi:dev::sos::pulumi:pulumi:Stack::sos-dev",
      "urn:pulumi:dev::sos::sos:index:SosStack::sos",
      "urn:pulumi:dev::sos::pulumi:providers:cloudflare::default",
      "urn:pulumi:dev::sos::sos:index:SosStack$cloudflare:index/d1Database:D1Database::memory",
      "urn:pulumi:dev::sos::pulumi:providers:pulumi-nodejs::default",
      "urn:pulumi:dev::sos::sos:index:SosStack$pulumi-nodejs:dynamic:Resource::migrations",
    ]);
    const migration = events.find((e) => e.resourcePreEvent?.metadata.urn.endsWith("::migrations"));
    expect(migration?.resourcePreEvent?.metadata.new?.inputs.apiToken).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: "[secret]",
    });
    expect(JSON.stringify(events)).not.toContain(API_TOKEN);
    expect(events.at(-2)?.summaryEvent).toMatchObject({
      isPreview: true,
      result: "succeeded",
      resourceChanges: { create: 4 },
    });
    expect(events.at(-1)?.cancelEvent).toEqual({});
    expect(result.stdout).toContain("Previewing update (dev):");
    expect(result.stdout).toContain("+ 4 to create");
    expect(resourceUrns()).toEqual([]);
  });

  it("up creates the resources and returns outputs with their secret flag", async () => {
    const stack = await Stack.select("dev", await workspace());
    const events: EngineEvent[] = [];
    const result = await stack.up({ onEvent: (e) => events.push(e) });

    expect(result.summary).toMatchObject({ kind: "update", result: "succeeded", resourceChanges: { create: 4 } });
    expect(result.outputs).toEqual({
      url: { value: "https://sos-dev.example.workers.dev", secret: false },
      agentKey: { value: AGENT_KEY, secret: true },
    });
    const raw = JSON.stringify(checkpoint());
    expect(raw).not.toContain(AGENT_KEY);
    expect(raw).not.toContain(API_TOKEN);
    const stackResource = checkpoint().checkpoint.latest.resources[0];
    expect(stackResource.outputs.agentKey).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: expect.stringMatching(/^v1:/),
    });
    const salt = checkpoint().checkpoint.latest.secrets_providers.state.salt;
    expect(decryptWithSalt(salt, stackResource.outputs.agentKey.ciphertext)).toBe(JSON.stringify(AGENT_KEY));
    expect(events.filter((e) => e.resOutputsEvent).length).toBeGreaterThan(0);
    expect(result.stdout).toContain("+ 4 created");
  });

  it("a failing resource keeps what completed; the rerun creates only the rest", async () => {
    writePlan({
      ...basePlan,
      resources: [
        ...basePlan.resources,
        {
          type: "cloudflare:index/workersScript:WorkersScript",
          name: "worker",
          parent: "sos",
          inputs: { content: "export default {}" },
          fail: {
            op: "create",
            message: "sos:index:Worker worker: 403 Forbidden: token lacks Workers Scripts:Edit",
            times: 1,
          },
        },
        {
          type: "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain",
          name: "route",
          parent: "sos",
          inputs: { enabled: true },
        },
      ],
    });
    const stack = await Stack.select("dev", await workspace());
    const events: EngineEvent[] = [];
    const failure = await stack.up({ onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommandError);
    // The SDK reports execa's message: the exit code, the command line, then stderr.
    expect((failure as CommandError).message).toContain("Command failed with exit code 1: pulumi up");
    expect((failure as CommandError).message).toContain("403 Forbidden");
    const diagnostics = events.flatMap((e) => (e.diagnosticEvent ? [e.diagnosticEvent] : []));
    expect(diagnostics.map((d) => d.message)).toEqual([
      "sos:index:Worker worker: 403 Forbidden: token lacks Workers Scripts:Edit\n",
      "update failed\n",
    ]);
    expect(events.find((e) => e.resOpFailedEvent)?.resOpFailedEvent?.metadata.op).toBe("create");
    expect(resourceUrns().some((u) => u.endsWith("::worker"))).toBe(false);
    expect(resourceUrns().some((u) => u.endsWith("::migrations"))).toBe(true);
    expect((await stack.history())[0]).toMatchObject({ kind: "update", result: "failed" });

    const rerun = await stack.up();
    expect(rerun.summary.resourceChanges).toEqual({ create: 2, same: 4 });
    expect(resourceUrns().filter((u) => u.endsWith("::worker") || u.endsWith("::route"))).toHaveLength(2);
  });

  it("a second update waits on the lock held by a running one, as ConcurrentUpdateError", async () => {
    const concurrency = path.join(root, "running");
    const slow = await Stack.select(
      "dev",
      // Long enough for the second update to start (several CLI calls) on a loaded two-core machine.
      await workspace({ FAKE_PULUMI_DELAY_MS: "8000", FAKE_PULUMI_CONCURRENCY_DIR: concurrency }),
    );
    const first = slow.up();
    const deadline = Date.now() + 10_000;
    while (!(existsSync(concurrency) && readdirSync(concurrency).length > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(readdirSync(concurrency)).toHaveLength(1);

    const second = await (await Stack.select("dev", await workspace())).up().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ConcurrentUpdateError);
    expect((second as Error).message).toMatch(
      new RegExp(
        "error: the stack is currently locked by 1 lock\\(s\\). Either wait for the other process\\(es\\) to end " +
          "or delete the lock file with `pulumi cancel`.\\n" +
          `  file://${stateDir}/\\.pulumi/locks/organization/sos/dev/[0-9a-f-]{36}\\.json\\?no_tmp_dir=true: ` +
          `created by ${os.userInfo().username}@${os.hostname()} \\(pid \\d+\\) at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)`,
      ),
    );
    expect((await first).summary.result).toBe("succeeded");
    expect(readdirSync(concurrency)).toHaveLength(0);

    const locks = path.join(stateDir, ".pulumi", "locks", "organization", "sos", "dev");
    writeFileSync(
      path.join(locks, "00000000-0000-0000-0000-000000000000.json"),
      JSON.stringify({ pid: 1, username: "ci", hostname: "gone", timestamp: "2026-01-02T03:04:05.678Z" }),
    );
    await slow.cancel();
    expect(readdirSync(locks)).toEqual([]);
  });

  it("refuses a wrong passphrase with the real message", async () => {
    const stack = await Stack.select("dev", await workspace({ PULUMI_CONFIG_PASSPHRASE: "wrong" }));
    await expect(stack.getConfig("cloudflare:apiToken")).rejects.toThrow(/\nerror: incorrect passphrase\n/);
    await expect(stack.preview()).rejects.toThrow(
      /error: getting stack configuration: get stack secrets manager: incorrect passphrase/,
    );
  });

  it("fails a program that reads a missing required key, and validates declared project config", async () => {
    const stack = await Stack.createOrSelect("other", await workspace());
    const failure = await stack.preview().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommandError);
    expect((failure as Error).message).toContain(
      "error: Missing required configuration variable 'sos:accountId'\n        please set a value using the command `pulumi config set sos:accountId <value>`",
    );
    writeFileSync(
      path.join(workDir, "Pulumi.yaml"),
      "name: sos\nruntime: nodejs\nconfig:\n  region:\n    type: string\n",
    );
    try {
      await expect(stack.preview()).rejects.toThrow(
        /validating stack config: Stack 'other' is missing configuration value 'region'/,
      );
    } finally {
      writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: sos\nruntime: nodejs\n");
      await stack.workspace.removeStack("other");
    }
  });

  it("refreshes, then destroys (dropping retained resources from state) and keeps the history", async () => {
    writePlan(basePlan);
    const stack = await Stack.select("dev", await workspace());
    const refreshed = await stack.refresh();
    expect(refreshed.summary).toMatchObject({ kind: "refresh", result: "succeeded" });
    expect(refreshed.summary.resourceChanges).toEqual({ same: 6 });

    const events: EngineEvent[] = [];
    const destroyed = await stack.destroy({ onEvent: (e) => events.push(e) });
    expect(destroyed.summary).toMatchObject({ kind: "destroy", result: "succeeded", resourceChanges: { delete: 6 } });
    const memory = events.find((e) => e.resourcePreEvent?.metadata.urn.endsWith("::memory"));
    expect(memory?.resourcePreEvent?.metadata).toMatchObject({ op: "delete", old: { retainOnDelete: true } });
    expect(destroyed.stdout).toContain("memory deleted[retain]");
    expect(resourceUrns()).toEqual([]);
    expect(await stack.outputs()).toEqual({});
    const history = await stack.history();
    expect(history.map((h) => `${h.kind}:${h.result}`)).toEqual([
      "destroy:succeeded",
      "refresh:succeeded",
      "update:succeeded",
      "update:succeeded",
      "update:failed",
      "update:succeeded",
    ]);
    expect(history[0]?.startTime).toBeInstanceOf(Date);
  });
});

describe("fake pulumi run directly", () => {
  it("reads a secret config value from stdin when none is given", () => {
    expect(
      run(["config", "set", "--secret", "--stack", "dev", "multiline"], { input: "first\nsecond\n\n" }).status,
    ).toBe(0);
    expect(run(["config", "set", "--secret", "--raw", "--stack", "dev", "raw"], { input: "kept\n" }).status).toBe(0);
    const got = (key: string) => JSON.parse(run(["config", "get", key, "--json", "--stack", "dev"]).stdout);
    expect(got("multiline")).toEqual({ value: "first\nsecond\n", secret: true });
    expect(got("raw")).toEqual({ value: "kept\n", secret: true });
    expect(readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8")).not.toContain("second");
  });

  it("writes engine events as JSON lines to an --event-log file", () => {
    const file = path.join(root, "events.jsonl");
    const result = run(["preview", "--stack", "dev", "--event-log", file, "--non-interactive"]);
    expect(result.status).toBe(0);
    const events = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i));
    expect(Object.keys(events[0])).toEqual(["sequence", "timestamp", "preludeEvent"]);
    expect(events.at(-2).summaryEvent).toEqual({
      maybeCorrupt: false,
      durationSeconds: expect.any(Number),
      resourceChanges: { create: 4 },
      PolicyPacks: {},
      isPreview: true,
      result: "succeeded",
    });
  });

  it("fails usage errors like cobra, and commands outside a project like the CLI", () => {
    const unknown = run(["frobnicate"]);
    expect([unknown.status, unknown.stderr]).toEqual([
      1,
      `error: unknown command "frobnicate" for "pulumi"\n\nRun 'pulumi --help' for usage.\n`,
    ]);
    const flag = run(["up", "--frob"]);
    expect([flag.status, flag.stderr]).toEqual([1, "error: unknown flag: --frob\n"]);
    const noYes = run(["up", "--stack", "dev"]);
    expect(noYes.status).toBe(2);
    const elsewhere = mkdtempSync(path.join(root, "elsewhere-"));
    const config = run(["config", "--stack", "dev"], { cwd: elsewhere });
    expect(config.stderr).toBe(
      `error: no Pulumi.yaml project file found (searching upwards from ${elsewhere}). If you have not created a project yet, use \`pulumi new\` to do so: no project file found\n`,
    );
    const select = run(["stack", "select", "dev"], { cwd: elsewhere });
    expect(select.stderr).toMatch(
      /^error: no Pulumi.yaml project file found; either run this command from a directory/,
    );
    const missing = run(["stack", "select", "nope"]);
    expect([missing.status, missing.stderr]).toEqual([6, "error: no stack named 'nope' found\n"]);
  });

  it("maps bucket URLs to folders, logs in like the CLI, and records every invocation without secrets", () => {
    const buckets = path.join(root, "buckets");
    const s3 = { PULUMI_BACKEND_URL: "s3://tenant-state/sos?region=auto" };
    expect(run(["stack", "init", "bucketed"], { env: { ...s3, FAKE_PULUMI_BUCKETS_DIR: buckets } }).status).toBe(0);
    expect(
      existsSync(path.join(buckets, "s3", "tenant-state", "sos", ".pulumi", "stacks", "sos", "bucketed.json")),
    ).toBe(true);
    expect(run(["stack", "ls", "--json"], { env: s3 }).stderr).toMatch(
      /^error: read "\.pulumi\/meta\.yaml": .*get credentials/,
    );

    const login = run(["login", `file://${stateDir}`], { env: { PULUMI_BACKEND_URL: "" } });
    expect(login.stdout).toBe(`Logged in to ${os.hostname()} as ${os.userInfo().username} (file://${stateDir})\n`);
    expect(JSON.parse(readFileSync(path.join(pulumiHome, "credentials.json"), "utf8"))).toEqual({
      current: `file://${stateDir}`,
      accessTokens: { [`file://${stateDir}`]: "" },
      accounts: { [`file://${stateDir}`]: { lastValidatedAt: "0001-01-01T00:00:00Z" } },
    });

    const log = readFileSync(logFile, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.length).toBeGreaterThan(20);
    // The SDK's version probe runs without the workspace's variables, so it is not in the log.
    expect(log[0]).toMatchObject({
      argv: ["stack", "select", "--stack", "dev", "--non-interactive"],
      cwd: workDir,
      stdin: false,
    });
    expect(log.find((l) => l.argv.includes("multiline"))).toMatchObject({ stdin: true });
    const up = log.find((l) => l.argv[0] === "up");
    expect(up).toMatchObject({
      cwd: workDir,
      env: { PULUMI_CONFIG_PASSPHRASE: "<set>", PULUMI_AUTOMATION_API: "true" },
    });
    expect(up.argv).toEqual(expect.arrayContaining(["--event-log", "--non-interactive", "--stack", "dev"]));
    expect(readFileSync(logFile, "utf8")).not.toContain(PASSPHRASE);
  });

  it("reports how many operations run at once through the concurrency folder", async () => {
    const dir = path.join(root, "window");
    const child = spawn(path.join(SHIM_DIR, "pulumi"), ["preview", "--stack", "dev"], {
      cwd: workDir,
      env: {
        ...process.env,
        PULUMI_HOME: pulumiHome,
        ...env({ FAKE_PULUMI_CONCURRENCY_DIR: dir, FAKE_PULUMI_DELAY_MS: "1500" }),
      },
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const deadline = Date.now() + 10_000;
    while (!(existsSync(dir) && readdirSync(dir).length === 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const marker = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0] as string), "utf8"));
    expect(marker).toMatchObject({ operation: "preview-update", stack: "organization/sos/dev" });
    expect(await exited).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
