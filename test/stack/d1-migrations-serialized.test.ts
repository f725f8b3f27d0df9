import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../support/cloudflare-emulator";
import { installPulumiMocks, unwrapSecrets, type RegisteredResource } from "../support/pulumi-mocks";

/**
 * The engine never runs the provider in the program's process: it serializes the provider's code
 * (pulumi.runtime.serializeFunction) into state and loads that text in a provider host. So does this test.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "serialized-provider-token";
let emulator: CloudflareEmulator;
let registered: RegisteredResource[];
let work: string;

beforeAll(async () => {
  registered = await installPulumiMocks("serialized");
  emulator = await startCloudflareEmulator({ token, accountId });
  work = mkdtempSync(path.join(tmpdir(), "sos-provider-"));
});

afterAll(async () => {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

/** Loads the serialized provider in a fresh Node process and runs one method there. */
async function runInFreshProcess(providerText: string, method: string, args: unknown[]): Promise<unknown> {
  const providerFile = path.join(work, `provider-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(providerFile, providerText);
  const script = `
    const provider = require(${JSON.stringify(providerFile)}).handler();
    provider[${JSON.stringify(method)}](...${JSON.stringify(args)})
      .then((result) => process.stdout.write(JSON.stringify({ result: result ?? null })))
      .catch((error) => process.stdout.write(JSON.stringify({ error: String(error.message) })));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
    cwd: work,
    env: { PATH: process.env.PATH, CLOUDFLARE_API_BASE_URL: emulator.baseUrl },
  });
  return JSON.parse(stdout);
}

describe("D1 migrations provider, serialized as the engine does it", () => {
  it("holds no secret, and creates and diffs from a fresh process", async () => {
    const { D1Migrations } = await import("../../stack/d1-migrations.js");
    const { readMigrationFiles } = await import("../../stack/migration-plan.js");
    const { schemaDir } = await import("../../stack/paths.js");
    const uuid = emulator.createD1Database("serialized-memory").uuid;

    const resource = new D1Migrations("serialized-migrations", {
      accountId,
      databaseId: uuid,
      databaseName: "serialized-memory",
      apiToken: pulumi.secret(token),
      files: readMigrationFiles(schemaDir),
    });
    await new Promise((resolve) => resource.urn.apply(resolve));
    const registration = registered.find((entry) => entry.name === "serialized-migrations")!;
    const providerText = String(registration.inputs.__provider);
    expect(providerText).toMatch(/^exports\.handler = /);
    expect(providerText).not.toContain(token);

    const { __provider: _, ...wrapped } = registration.inputs;
    const inputs = unwrapSecrets(wrapped) as { apiToken: string; files: Record<string, unknown> };
    expect(inputs.apiToken).toBe(token);

    const created = (await runInFreshProcess(providerText, "create", [inputs])) as {
      result?: { id: string; outs: { applied: Record<string, string> } };
      error?: string;
    };
    expect(created.error).toBeUndefined();
    expect(created.result!.id).toBe(`${uuid}/migrations`);
    expect(Object.keys(created.result!.outs.applied)).toEqual(Object.keys(inputs.files));
    const tables = emulator
      .d1(uuid)
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["agent_state", "engrams", "engrams_fts"]));

    const diff = (await runInFreshProcess(providerText, "diff", ["id", created.result!.outs, inputs])) as {
      result?: { changes: boolean };
    };
    expect(diff.result).toEqual({ changes: false });
  });
});
