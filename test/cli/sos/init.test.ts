import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../../support/cloudflare-emulator";
import { installPulumiMocks, type RegisteredResource } from "../../support/pulumi-mocks";
import { pulumiInvocations, runSos, sosSandbox, type SosSandbox } from "../../support/sos-cli";
import { planFromProgram, writePlan } from "../../support/sos-plan";
import { keys, Terminal } from "../../support/terminal";
import { schemaDir } from "../../../stack/paths";
import type { Plan } from "../../support/fake-pulumi/plan";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "cf-token-7d1f0c2e9b-never-printed";
const openaiKey = "sk-openai-key-4f81c-never-printed";
const agentKey = "agent-key-abcdef0123456789abcdef0123456789";
const pagesUrl = "https://sos-main-chat.pages.dev";
const migrations = readdirSync(schemaDir).filter((name) => name.endsWith(".sql")).sort();

let emulator: CloudflareEmulator;
let registered: RegisteredResource[];
let plan: Plan;

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token, accountId });
  registered = await installPulumiMocks("main");
  plan = await planFromProgram(
    registered,
    {
      "sos:accountId": accountId,
      "cloudflare:apiToken": token,
      "sos:workersDevSubdomain": "sos-test",
      "sos:llmProvider": "openai",
      "sos:openaiApiKey": openaiKey,
    },
    {
      workerUrl: "https://sos-main-worker.sos-test.workers.dev",
      pagesUrl,
      d1DatabaseId: "d1-0001",
      kvNamespaceId: "kv-0001",
      agentId: "sos-main",
      agentKey: { secret: agentKey },
    },
  );
});

afterAll(async () => {
  await emulator.close();
});

function sandbox(extra: NodeJS.ProcessEnv = {}, withPlan: Plan = plan): SosSandbox {
  const box = sosSandbox({ CLOUDFLARE_API_BASE_URL: emulator.baseUrl, ...extra });
  box.env.FAKE_PULUMI_PLAN = writePlan(path.join(box.dir, "plan.json"), withPlan);
  return box;
}

const scripted = ["init", "--non-interactive", "--yes", "--llm-provider", "openai"];

/** How many of the program's resources the stack's state holds. */
function checkpointResources(box: SosSandbox): number {
  const file = path.join(box.home, "state", ".pulumi", "stacks", "sos", "main.json");
  const checkpoint = JSON.parse(readFileSync(file, "utf8")) as { checkpoint: { latest?: { resources?: { urn: string }[] } } };
  const names = new Set(plan.resources.map((resource) => resource.name));
  return (checkpoint.checkpoint.latest?.resources ?? []).filter((resource) => !resource.urn.includes("::pulumi:pulumi:Stack::") && names.has(resource.urn.split("::").pop()!))
    .length;
}

describe("sos init, scripted", () => {
  it("checks the token, keeps state and passphrase local, previews, deploys and shows the chat URL once", async () => {
    const box = sandbox({ CLOUDFLARE_API_TOKEN: token, OPENAI_API_KEY: openaiKey });
    const run = await runSos(scripted, box.env);
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // 1. the token was verified and its permissions probed
    expect(emulator.requests.some((request) => request.path === "/user/tokens/verify")).toBe(true);
    expect(run.stdout).toContain(`Account ${accountId}, workers.dev subdomain sos-test.workers.dev`);
    // 2. state and the passphrase under SOS_HOME, readable by the user only
    const workDir = path.join(box.home, "stacks", "main");
    expect(statSync(path.join(workDir, "passphrase")).mode & 0o777).toBe(0o600);
    expect(statSync(workDir).mode & 0o777).toBe(0o700);
    expect(run.stdout).toContain(path.join(workDir, "passphrase"));
    expect(run.stdout).toMatch(/back it up somewhere safe/);
    // 3. config stored, secrets encrypted
    const stackFile = readFileSync(path.join(workDir, "Pulumi.main.yaml"), "utf8");
    expect(stackFile).toContain("sos:llmProvider: openai");
    expect(stackFile).toMatch(/cloudflare:apiToken:\s+secure: v1:/);
    expect(stackFile).toMatch(/sos:openaiApiKey:\s+secure: v1:/);
    expect(stackFile).not.toContain(token);
    expect(stackFile).not.toContain(openaiKey);
    // 4. the preview names resources, migrations and the app's files
    expect(run.stdout).toContain("create D1 database (memories) (sos-memory)");
    expect(run.stdout).toContain("create Worker (the runtime) (sos-worker)");
    expect(run.stdout).toContain(`Migrations to apply: ${migrations.join(", ")}`);
    expect(run.stdout).toMatch(/Chat app files: \d+ in the build; \d+ to upload new/);
    // 5. deployed: every resource in state
    expect(checkpointResources(box)).toBe(plan.resources.length);
    // 6. the key, once, in the URL's fragment
    expect(run.stdout.split(`${pagesUrl}/#key=${agentKey}`)).toHaveLength(2);

    // Every Pulumi call ran in the stack's own folder, with the local backend; no secret in argv.
    const calls = pulumiInvocations(box.pulumiLog);
    expect(calls.length).toBeGreaterThan(5);
    // `pulumi version` is the Automation API's own probe, run where the command was started.
    for (const call of calls.filter((invocation) => invocation.argv[0] !== "version")) {
      expect(call.cwd).toBe(workDir);
      expect(call.env.PULUMI_BACKEND_URL).toBe(`file://${path.join(box.home, "state")}`);
      expect(call.env.PULUMI_CONFIG_PASSPHRASE_FILE).toBe("<set>");
      const argv = call.argv.join(" ");
      for (const secret of [token, openaiKey, readFileSync(path.join(workDir, "passphrase"), "utf8").trim()]) {
        expect(argv).not.toContain(secret);
      }
    }
    const secretSets = calls.filter((call) => call.argv[0] === "config" && call.argv.includes("--secret"));
    expect(secretSets.map((call) => call.argv[2]).sort()).toEqual(["cloudflare:apiToken", "sos:openaiApiKey"]);
    expect(secretSets.every((call) => call.stdin)).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(run.stdout + run.stderr).not.toContain(openaiKey);
  });

  it("names each permission the token lacks and how to add it, before anything is created", async () => {
    emulator.addToken("cf-token-without-pages-and-kv", { permissions: ["d1", "workers-scripts"] });
    const box = sandbox({ CLOUDFLARE_API_TOKEN: "cf-token-without-pages-and-kv", OPENAI_API_KEY: openaiKey });
    const run = await runSos(scripted, box.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('add "Account > Cloudflare Pages > Edit"');
    expect(run.stderr).toContain('add "Account > Workers KV Storage > Edit"');
    expect(run.stderr).not.toContain("Account > D1 > Edit");
    expect(run.stderr).toMatch(/What to do: Edit the token at https:\/\/dash\.cloudflare\.com\/profile\/api-tokens/);
    expect(pulumiInvocations(box.pulumiLog)).toEqual([]);
  });

  it("refuses a token that is not valid, saying where to make one", async () => {
    const box = sandbox({ CLOUDFLARE_API_TOKEN: "cf-token-unknown", OPENAI_API_KEY: openaiKey });
    const run = await runSos(scripted, box.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not valid/i);
    expect(run.stderr).toContain("https://dash.cloudflare.com/profile/api-tokens");
  });

  it("explains how to get a workers.dev subdomain when the account has none", async () => {
    const bare = await startCloudflareEmulator({ token, accountId, workersDevSubdomain: null });
    try {
      const box = sandbox({ CLOUDFLARE_API_BASE_URL: bare.baseUrl, CLOUDFLARE_API_TOKEN: token, OPENAI_API_KEY: openaiKey });
      const run = await runSos(scripted, box.env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("no workers.dev subdomain");
      expect(run.stderr).toContain(`https://dash.cloudflare.com/${accountId}/workers/onboarding`);
      expect(pulumiInvocations(box.pulumiLog)).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it("names a missing answer in scripted mode instead of prompting", async () => {
    const box = sandbox({ CLOUDFLARE_API_TOKEN: token });
    const run = await runSos(scripted, box.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("set OPENAI_API_KEY");
  });

  it("explains a failed deployment in words, and a rerun continues where it stopped", async () => {
    const failing: Plan = {
      ...plan,
      resources: plan.resources.map((resource) =>
        resource.name === "sos-worker"
          ? {
              ...resource,
              fail: {
                op: "create",
                times: 1,
                message:
                  'creating Workers Script: POST "https://api.cloudflare.com/client/v4/accounts/x/workers/scripts/sos-main-worker": 400 Bad Request {"success":false,"errors":[{"code":10021,"message":"binding DB of type d1 references a database that does not exist"}]}',
              },
            }
          : resource,
      ),
    };
    const box = sandbox({ CLOUDFLARE_API_TOKEN: token, OPENAI_API_KEY: openaiKey }, failing);
    const first = await runSos(scripted, box.env);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("The deployment failed. Cloudflare had not finished setting up a resource the worker binds (code 10021).");
    expect(first.stderr).toContain("binding DB of type d1 references a database that does not exist");
    expect(first.stderr).toContain("Run the same command again");
    const createdBefore = checkpointResources(box);
    expect(createdBefore).toBeGreaterThan(0);
    expect(createdBefore).toBeLessThan(plan.resources.length);

    const second = await runSos(scripted, box.env);
    expect(second.code, second.stderr).toBe(0);
    expect(checkpointResources(box)).toBe(plan.resources.length);
    // The rerun's preview creates only what the failed run had not.
    const created = second.stdout.split("\n").filter((line) => /^\s*create /.test(line.replace(/^[│| ]+/, "")));
    expect(created.length).toBeLessThan(plan.resources.length - 1);
    expect(second.stdout).toContain(`${pagesUrl}/#key=${agentKey}`);
  });
});

describe("sos init, at a terminal", () => {
  it("asks each question (the token and the key masked), previews, asks, deploys", async () => {
    const box = sandbox({ CI: "" });
    const terminal = new Terminal([process.execPath, path.resolve("cli/sos.js"), "init"], { env: box.env });
    await terminal.answer("Cloudflare API token", `${token}${keys.enter}`);
    await terminal.answer("Prefix of every resource name", keys.enter);
    await terminal.answer("The agent's name", keys.enter);
    await terminal.answer("Model provider", `${keys.down}${keys.enter}`);
    await terminal.answer("openai API key", `${openaiKey}${keys.enter}`);
    await terminal.answer("Embedding provider", keys.enter);
    await terminal.answer("Keep the memories", keys.enter);
    await terminal.answer("Opt in to the Yellow Pages", keys.enter);
    await terminal.answer("Opt in to anonymous telemetry", keys.enter);
    await terminal.expect("What will be created");
    await terminal.answer("Deploy this into your account?", keys.enter);
    await terminal.expect(`${pagesUrl}/#key=${agentKey}`, 60_000);
    expect(await terminal.exited).toBe(0);

    const stackFile = readFileSync(path.join(box.home, "stacks", "main", "Pulumi.main.yaml"), "utf8");
    expect(stackFile).toContain("sos:llmProvider: openai");
    expect(stackFile).toContain("sos:prefix: sos-main");
    expect(stackFile).toContain("sos:yellowPages: \"false\"");
    expect(stackFile).toMatch(/sos:openaiApiKey:\s+secure: v1:/);
    // Masked: neither secret was ever echoed to the terminal.
    expect(terminal.output).not.toContain(token);
    expect(terminal.output).not.toContain(openaiKey);
    expect(terminal.output).toContain("Migrations to apply:");
  }, 120_000);
});
