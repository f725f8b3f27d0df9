import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { installPulumiMocks, valueOf, type RegisteredResource } from "../support/pulumi-mocks";

// index.ts gives SosStack no bundle, so SosStack bundles worker/: with the test run's bundle instead.
vi.mock("../../stack/bundle", async (importOriginal) =>
  (await import("./shared-worker-bundle.js")).withSharedWorkerBundle(await importOriginal()),
);

const accountId = "fedcba9876543210fedcba9876543210";
let registered: RegisteredResource[];

beforeAll(async () => {
  registered = await installPulumiMocks("acme");
});

beforeEach(() => {
  vi.resetModules();
});

describe("the Pulumi program (index.ts)", () => {
  it("reads the stack config once and exports the stack's outputs", async () => {
    pulumi.runtime.setAllConfig(
      { "sos:accountId": accountId, "cloudflare:apiToken": "tok", "sos:workersDevSubdomain": "acme-co" },
      ["cloudflare:apiToken"],
    );
    const before = registered.length;
    const program = await import("../../index.js");
    const outputs = await valueOf(
      pulumi.all({
        workerUrl: program.workerUrl,
        pagesUrl: program.pagesUrl,
        d1DatabaseId: program.d1DatabaseId,
        kvNamespaceId: program.kvNamespaceId,
        agentId: program.agentId,
      }),
    );
    // Cloudflare's names follow the prefix (sos-<stack>); the logical names in state are fixed (sos-*).
    expect(outputs).toEqual({
      workerUrl: "https://sos-acme-worker.acme-co.workers.dev",
      pagesUrl: "https://sos-acme-chat.pages.dev",
      d1DatabaseId: "sos-memory-id",
      kvNamespaceId: "sos-session-id",
      agentId: "sos-acme",
    });
    expect(await pulumi.isSecret(program.agentKey)).toBe(true);
    const worker = registered.slice(before).find((resource) => resource.name === "sos-worker");
    expect(worker?.inputs.scriptName).toBe("sos-acme-worker");
  });

  it("fails before declaring anything when the config is invalid, listing each problem", async () => {
    pulumi.runtime.setAllConfig({ "sos:llmProvider": "skynet", "sos:sessionTtlSeconds": "-1" }, []);
    const previous = process.env.CLOUDFLARE_API_TOKEN;
    delete process.env.CLOUDFLARE_API_TOKEN;
    const before = registered.length;
    try {
      await expect(import("../../index.js")).rejects.toThrow(
        /Invalid SOS stack configuration \(4 problems\):\n(  - .*\n){3}  - .*/,
      );
    } finally {
      if (previous !== undefined) process.env.CLOUDFLARE_API_TOKEN = previous;
    }
    expect(registered.length).toBe(before);
  });
});
