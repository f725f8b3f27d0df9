import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "../support/cloudflare-emulator";
import { installPulumiMocks, type RegisteredResource } from "../support/pulumi-mocks";
import { serializedProvider, type SerializedProvider } from "../support/serialized-provider";

/**
 * The engine never runs the provider in the program's process: it serializes the provider's code
 * (pulumi.runtime.serializeFunction) into state and loads that text in a provider host. So does this test.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "serialized-provider-token";
let emulator: CloudflareEmulator;
let registered: RegisteredResource[];
const providers: SerializedProvider[] = [];

beforeAll(async () => {
  registered = await installPulumiMocks("serialized");
  emulator = await startCloudflareEmulator({ token, accountId });
});

afterAll(async () => {
  await emulator.close();
  providers.forEach((provider) => provider.remove());
});

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
    const provider = serializedProvider(registered.find((entry) => entry.name === "serialized-migrations")!);
    providers.push(provider);
    expect(provider.text).toMatch(/^exports\.handler = /);
    expect(provider.text).not.toContain(token);
    const inputs = provider.inputs as { apiToken: string; files: Record<string, unknown> };
    expect(inputs.apiToken).toBe(token);
    const env = { CLOUDFLARE_API_BASE_URL: emulator.baseUrl };

    const created = (await provider.run("create", [inputs], env)) as {
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

    const diff = (await provider.run("diff", ["id", created.result!.outs, inputs], env)) as {
      result?: { changes: boolean };
    };
    expect(diff.result).toEqual({ changes: false });
  });
});
