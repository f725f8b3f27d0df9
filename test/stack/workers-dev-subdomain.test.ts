import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkersDevSubdomainState } from "../../stack/workers-dev-subdomain";
import { startCloudflareEmulator, type CloudflareEmulator } from "../support/cloudflare-emulator";
import { installPulumiMocks, withoutSecrets, type RegisteredResource } from "../support/pulumi-mocks";
import { serializedProvider, type SerializedProvider } from "../support/serialized-provider";

/** The workers.dev subdomain, read by a resource at deploy time, run as the engine runs it (serialized). */

const accountId = "0123456789abcdef0123456789abcdef";
const bareAccount = "00000000000000000000000000000bad";
const token = "subdomain-test-token";
let emulator: CloudflareEmulator;
let registered: RegisteredResource[];
let provider: SerializedProvider;
let env: Record<string, string>;

type Run = { result?: unknown; error?: string };

beforeAll(async () => {
  registered = await installPulumiMocks("subdomain");
  emulator = await startCloudflareEmulator({ token, accountId, workersDevSubdomain: "acme-co" });
  emulator.addAccount(bareAccount, { workersDevSubdomain: null });
  emulator.addToken("bare-token", { accounts: [bareAccount] });
  env = { CLOUDFLARE_API_BASE_URL: emulator.baseUrl };
  const { WorkersDevSubdomain } = await import("../../stack/workers-dev-subdomain.js");
  const resource = new WorkersDevSubdomain("subdomain", { accountId, apiToken: pulumi.secret(token) });
  await new Promise((resolve) => resource.urn.apply(resolve));
  const registration = registered.find((entry) => entry.name === "subdomain")!;
  expect(registration.additionalSecretOutputs).toEqual(["apiToken"]);
  expect(JSON.stringify(withoutSecrets(registration.inputs))).not.toContain(token);
  provider = serializedProvider(registration);
  expect(provider.text).not.toContain(token);
});

afterAll(async () => {
  provider?.remove();
  await emulator?.close();
});

describe("workers.dev subdomain resource", () => {
  it("reads the subdomain when created, retrying a server error", async () => {
    emulator.injectFault({ path: `/accounts/${accountId}/workers/subdomain`, status: 502 });
    const created = (await provider.run("create", [provider.inputs], env)) as Run;
    expect(created.error).toBeUndefined();
    expect(created.result).toEqual({
      id: `${accountId}/workers-dev-subdomain`,
      outs: { accountId, apiToken: token, subdomain: "acme-co" },
    });
    expect(emulator.pendingFaults()).toBe(0);
  });

  it("tells an account without a subdomain what to do, in wrangler's terms", async () => {
    const failed = (await provider.run("create", [{ accountId: bareAccount, apiToken: "bare-token" }], env)) as Run;
    expect(failed.error).toContain(`Account ${bareAccount} has no workers.dev subdomain yet`);
    expect(failed.error).toContain("[code 10007]");
    expect(failed.error).toContain(`https://dash.cloudflare.com/${bareAccount}/workers/onboarding`);
    expect(failed.error).toContain("pulumi config set sos:workersDevSubdomain <subdomain>");
  });

  it("takes a new token as an update that calls nothing, and re-reads the subdomain on refresh", async () => {
    const outs: WorkersDevSubdomainState = { accountId, apiToken: token, subdomain: "acme-co" };
    expect((await provider.run("diff", ["id", outs, { accountId, apiToken: token }], env)).result).toEqual({
      changes: false,
    });
    const rotated = { accountId, apiToken: "rotated-token" };
    expect((await provider.run("diff", ["id", outs, rotated], env)).result).toEqual({ changes: true });
    emulator.resetRequests();
    const updated = (await provider.run("update", ["id", outs, rotated], env)) as Run;
    expect(updated.result).toEqual({ outs: { ...outs, apiToken: "rotated-token" } });
    expect(emulator.requests).toEqual([]);

    const read = (await provider.run("read", ["id", { ...outs, subdomain: "renamed-since" }], env)) as Run;
    expect(read.result).toEqual({ id: "id", props: outs });
    const moved = (await provider.run("diff", ["id", outs, { accountId: bareAccount, apiToken: token }], env)) as Run;
    expect(moved.result).toEqual({ changes: true, replaces: ["accountId"], deleteBeforeReplace: false });
  });
});
