import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * `pulumi preview` evaluates the program with no network: nothing is read from Cloudflare while the
 * program runs (the engine, not the program, calls the providers), so an offline preview evaluates and
 * shows what only a deployment can know, the workers.dev subdomain, as unknown.
 */

// index.ts gives SosStack no bundle, so SosStack bundles worker/: with the test run's bundle instead.
vi.mock("../../stack/bundle", async (importOriginal) =>
  (await import("./shared-worker-bundle.js")).withSharedWorkerBundle(await importOriginal()),
);

const accountId = "fedcba9876543210fedcba9876543210";
const created: { type: string; name: string }[] = [];
let fetchCalls: string[];

beforeAll(async () => {
  // Preview mode: outputs a resource has not reported are unknown, as the engine leaves them before a deploy.
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        created.push({ type: args.type, name: args.name });
        const { subdomain: _unknownUntilDeployed, ...state } = args.inputs as Record<string, unknown>;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "sos",
    "offline",
    true,
  );
});

beforeEach(() => {
  vi.resetModules();
  fetchCalls = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    fetchCalls.push(String(input));
    throw new TypeError("fetch failed");
  });
  // Where a call would go if one were made: nothing listens there.
  vi.stubEnv("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:9/client/v4");
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}

describe("pulumi preview with no network", () => {
  it("evaluates without a call, the worker's URL unknown until the subdomain is read at deploy time", async () => {
    pulumi.runtime.setAllConfig({ "sos:accountId": accountId, "cloudflare:apiToken": "tok" }, ["cloudflare:apiToken"]);
    const program = await import("../../index.js");
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    expect(await isKnown(program.workerUrl)).toBe(false);
    expect(await isKnown(program.agentId)).toBe(true);
    expect(created.some((resource) => resource.name === "sos-workers-dev-subdomain")).toBe(true);
    expect(fetchCalls).toEqual([]);
  });

  it("knows the URL in preview when the subdomain is configured (as `sos init` stores it)", async () => {
    pulumi.runtime.setAllConfig(
      { "sos:accountId": accountId, "cloudflare:apiToken": "tok", "sos:workersDevSubdomain": "acme-co" },
      ["cloudflare:apiToken"],
    );
    const program = await import("../../index.js");
    expect(await isKnown(program.workerUrl)).toBe(true);
    expect(await new Promise((resolve) => program.workerUrl.apply(resolve))).toBe(
      "https://sos-offline-worker.acme-co.workers.dev",
    );
    expect(fetchCalls).toEqual([]);
  });
});
