import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../../support/cloudflare-emulator";
import { runSos, sosSandbox } from "../../support/sos-cli";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "cf-token-doctor";
let emulator: CloudflareEmulator;

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token, accountId });
});
afterAll(async () => {
  await emulator.close();
});

describe("sos doctor", () => {
  it("checks Node, the Pulumi CLI, each permission, workers.dev and D1 quota, a line each", async () => {
    emulator.createD1Database("another-app");
    const box = sosSandbox({ CLOUDFLARE_API_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_TOKEN: token });
    const run = await runSos(["doctor"], box.env);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^ok {3}Node\.js \d+\.\d+\.\d+$/m);
    expect(run.stdout).toMatch(/^ok {3}Pulumi CLI 3\.\d+\.\d+ /m);
    expect(run.stdout).toContain("ok   API token valid");
    expect(run.stdout).toContain("ok   Cloudflare Pages projects: allowed");
    expect(run.stdout).toContain("ok   workers.dev subdomain: sos-test.workers.dev");
    expect(run.stdout).toMatch(/ok {3}D1 databases: 1 \(the free plan allows 10/);
    expect(run.stdout).toContain("Everything a deployment needs is in place.");
  });

  it("names what fails with its fix, and exits 1", async () => {
    emulator.addToken("cf-token-doctor-d1-only", { permissions: ["d1"] });
    const box = sosSandbox({ CLOUDFLARE_API_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_TOKEN: "cf-token-doctor-d1-only", PATH: "/usr/bin:/bin" });
    const run = await runSos(["doctor"], { ...box.env, PATH: `${process.execPath.replace(/\/node$/, "")}:/usr/bin:/bin` });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("FAIL Pulumi CLI not found on PATH\n     fix: curl -fsSL https://get.pulumi.com | sh");
    expect(run.stdout).toContain('FAIL Cloudflare Pages projects: not allowed\n     fix: add "Account > Cloudflare Pages > Edit" to the token');
    expect(run.stdout).toContain('FAIL Workers KV namespaces: not allowed\n     fix: add "Account > Workers KV Storage > Edit" to the token');
    expect(run.stdout).toContain("ok   D1 databases: allowed");
    expect(run.stdout).toMatch(/\d checks failed\.$/m);
  });
});
