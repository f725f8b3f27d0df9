import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../../support/cloudflare-emulator";
import { installPulumiMocks } from "../../support/pulumi-mocks";
import { pulumiInvocations, runSos, sosSandbox, type SosSandbox } from "../../support/sos-cli";
import { planFromProgram, writePlan } from "../../support/sos-plan";

const accountId = "0123456789abcdef0123456789abcdef";
const stacks = ["acme", "globex", "initech", "umbrella", "hooli"];
const secrets: Record<string, string> = {
  SOS_STATE_PASSPHRASE: "state-passphrase-9c1e-never-printed",
  OPENAI_KEY_ACME: "sk-acme-openai-5b7d-never-printed",
  ...Object.fromEntries(stacks.map((stack) => [`TOKEN_${stack.toUpperCase()}`, `cf-token-${stack}-never-printed`])),
};

let emulator: CloudflareEmulator;
let box: SosSandbox;
let tenantsFile: string;
const buckets = () => path.join(box.dir, "buckets");

function tenants(only: string[] = stacks) {
  return {
    backend: "s3://acme-sos-state/tenants",
    passphraseEnv: "SOS_STATE_PASSPHRASE",
    tenants: only.map((stack) => ({
      stack,
      accountId,
      tokenEnv: `TOKEN_${stack.toUpperCase()}`,
      config: { agentName: `${stack} assistant`, ...(stack === "acme" && { llmProvider: "openai" }) },
      ...(stack === "acme" && { secrets: { openaiApiKey: "OPENAI_KEY_ACME" } }),
    })),
  };
}

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "cf-token-main", accountId });
  const registered = await installPulumiMocks("main");
  const plan = await planFromProgram(
    registered,
    { "sos:accountId": accountId, "cloudflare:apiToken": "cf-token-main", "sos:workersDevSubdomain": "sos-test" },
    { workerUrl: "https://w.example", pagesUrl: "https://p.example", d1DatabaseId: "d1", kvNamespaceId: "kv", agentId: "a", agentKey: { secret: "k".repeat(40) } },
  );
  box = sosSandbox({ CLOUDFLARE_API_BASE_URL: emulator.baseUrl, CI: "true", ...secrets });
  box.env.FAKE_PULUMI_PLAN = writePlan(path.join(box.dir, "plan.json"), plan);
  box.env.FAKE_PULUMI_BUCKETS_DIR = buckets();
  tenantsFile = path.join(box.dir, "tenants.yaml");
  writeFileSync(tenantsFile, stringify(tenants()));
}, 120_000);

afterAll(async () => {
  await emulator.close();
});

/** Runs `sos tenants` while counting the stand-in's operations in flight. */
async function runTenants(args: string[], env: NodeJS.ProcessEnv = box.env) {
  const running = path.join(box.dir, `running-${Date.now()}`);
  mkdirSync(running);
  let most = 0;
  const timer = setInterval(() => (most = Math.max(most, readdirSync(running).length)), 20);
  try {
    const run = await runSos(["tenants", ...args], { ...env, FAKE_PULUMI_CONCURRENCY_DIR: running, FAKE_PULUMI_DELAY_MS: "1500" }, { cwd: box.dir });
    return { ...run, most };
  } finally {
    clearInterval(timer);
  }
}

function everyOutput(paths: string[], run: { stdout: string; stderr: string }): string {
  return [run.stdout, run.stderr, ...paths.filter(existsSync).map((file) => readFileSync(file, "utf8"))].join("\n");
}

describe("sos tenants", () => {
  it("refuses a file with problems, listing each before anything runs", async () => {
    const bad = path.join(box.dir, "bad.yaml");
    writeFileSync(
      bad,
      stringify({
        backend: `file://${path.join(box.dir, "local-state")}`,
        tenants: [
          { stack: "Tenant_A", accountId, tokenEnv: "TOKEN_ACME", config: { llmProvider: "nobody" } },
          { stack: "tenant.a", accountId, tokenEnv: "MISSING_TOKEN", passphraseEnv: "SOS_STATE_PASSPHRASE", config: { colour: "red" } },
        ],
      }),
    );
    const run = await runTenants(["up", "--file", bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("has 8 problems; nothing was run");
    expect(run.stderr).toContain("tenants.0 (Tenant_A).config.prefix: is required: the stack name 'Tenant_A' does not make a prefix");
    expect(run.stderr).toMatch(/backend: file:\/\/.* is a folder on this CI runner, which starts empty/);
    expect(run.stderr).toContain("tenants.0 (Tenant_A).config.llmProvider:");
    expect(run.stderr).toContain("tenants.0 (Tenant_A).passphraseEnv: required");
    expect(run.stderr).toContain("tenants.1 (tenant.a).config.colour: not a setting");
    expect(run.stderr).toContain("tenants.1 (tenant.a): the variable MISSING_TOKEN is not set");
    expect(run.stderr).toContain("'tenant.a' and 'Tenant_A' would both create sos-tenant-a-memory");
    expect(pulumiInvocations(box.pulumiLog)).toEqual([]);
  });

  it("runs one tenant at a time with --concurrency 1, each in its own folder, and reports it", async () => {
    const report = path.join(box.dir, "up-1.md");
    const json = path.join(box.dir, "up-1.json");
    const run = await runTenants(["up", "--file", tenantsFile, "--only", "acme,globex", "--concurrency", "1", "--report", report, "--json", json, "--logs", path.join(box.dir, "logs-1")]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.most).toBe(1);
    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(result).toMatchObject({ operation: "up", succeeded: 2, failed: 0 });
    expect(result.tenants.map((tenant: { stack: string }) => tenant.stack)).toEqual(["acme", "globex"]);
    for (const tenant of result.tenants) {
      expect(tenant.result).toBe("succeeded");
      expect(tenant.changes.create).toBeGreaterThan(5);
      expect(tenant.migrations).toContain("0001_init.sql");
    }
    expect(readFileSync(report, "utf8")).toMatch(/### sos tenants up: 2 of 2 succeeded\n\n\| tenant \| result/);
    // The state went to the bucket, not to the runner.
    expect(existsSync(path.join(buckets(), "s3", "acme-sos-state", "tenants", ".pulumi", "stacks", "sos", "acme.json"))).toBe(true);
  }, 240_000);

  it("runs at most four at once, isolates work folders, goes on past a failing tenant, and leaks no secret", async () => {
    // A run killed earlier left its lock on initech's state.
    const locks = path.join(buckets(), "s3", "acme-sos-state", "tenants", ".pulumi", "locks", "organization", "sos", "initech");
    mkdirSync(locks, { recursive: true });
    writeFileSync(path.join(locks, "0b6c8a52-6f7a-4c1e-9d1b-0f6a3c2e8d11.json"), JSON.stringify({ pid: 4242, username: "ci", hostname: "runner-7", timestamp: "2026-12-01T10:00:00Z" }));
    // initech needs a stack first, so its `up` meets the lock.
    const report = path.join(box.dir, "up-4.md");
    const json = path.join(box.dir, "up-4.json");
    const logs = path.join(box.dir, "logs-4");
    const before = pulumiInvocations(box.pulumiLog).length;
    const run = await runTenants(["up", "--file", tenantsFile, "--concurrency", "4", "--report", report, "--json", json, "--logs", logs]);
    expect(run.code).toBe(1);
    expect(run.most).toBeGreaterThan(1);
    expect(run.most).toBeLessThanOrEqual(4);

    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(result).toMatchObject({ succeeded: 4, failed: 1 });
    const initech = result.tenants.find((tenant: { stack: string }) => tenant.stack === "initech");
    expect(initech.result).toBe("failed");
    expect(initech.error.message).toContain("the stack is currently locked by 1 lock(s)");
    expect(initech.error.advice).toContain("pulumi cancel --stack organization/sos/initech --yes");
    expect(readFileSync(report, "utf8")).toContain("| initech | ❌ failed |");
    expect(readFileSync(report, "utf8")).toMatch(/\| hooli \| ✅ succeeded \| \d+ create \|/);
    // acme and globex were deployed by the previous test: nothing to create again.
    expect(result.tenants.find((tenant: { stack: string }) => tenant.stack === "acme").changes.create ?? 0).toBe(0);

    // Each tenant's CLI calls ran in one folder of its own.
    const calls = pulumiInvocations(box.pulumiLog).slice(before).filter((call) => call.argv[0] !== "version");
    const folders = new Map<string, Set<string>>();
    for (const call of calls) {
      const stack = call.argv[call.argv.indexOf("--stack") + 1];
      if (!stack || !call.argv.includes("--stack")) continue;
      if (!folders.has(stack)) folders.set(stack, new Set());
      folders.get(stack)!.add(call.cwd);
    }
    expect([...folders.keys()].sort()).toEqual([...stacks].sort());
    const all = [...folders.values()].map((set) => [...set]);
    expect(all.every((set) => set.length === 1)).toBe(true);
    expect(new Set(all.flat()).size).toBe(stacks.length);

    // No secret in any argument list, report, log or output.
    const logFiles = readdirSync(logs).map((file) => path.join(logs, file));
    expect(logFiles).toHaveLength(stacks.length);
    const text = everyOutput([report, json, ...logFiles], run) + calls.map((call) => call.argv.join(" ")).join("\n");
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  }, 300_000);

  it("previews from CI: the report lists what would change, and --only names unknown tenants", async () => {
    const unknown = await runTenants(["preview", "--file", tenantsFile, "--only", "acme,nobody"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--only: no tenant named nobody");
    const json = path.join(box.dir, "preview.json");
    const run = await runTenants(["preview", "--file", tenantsFile, "--only", "acme", "--json", json]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(result.tenants[0]).toMatchObject({ stack: "acme", operation: "preview", result: "succeeded", migrations: [] });
    expect(result.tenants[0].changes.same).toBeGreaterThan(5);
  }, 120_000);
});
