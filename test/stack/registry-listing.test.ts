import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { retryPolicy } from "../../stack/cloudflare-api";
import { registryListingProvider, type RegistryListingArgs, type RegistryListingState } from "../../stack/registry-listing";
import { startFakeRegistry, type FakeRegistry } from "../support/fake-registry";
import { installPulumiMocks, type RegisteredResource } from "../support/pulumi-mocks";
import { serializedProvider, type SerializedProvider } from "../support/serialized-provider";

let registry: FakeRegistry;
let registered: RegisteredResource[];
let provider: SerializedProvider;
let listingModule: typeof import("../../stack/registry-listing");

beforeAll(async () => {
  registered = await installPulumiMocks("listing");
  registry = await startFakeRegistry();
  listingModule = await import("../../stack/registry-listing.js");
});

afterAll(async () => {
  provider?.remove();
  await registry.close();
});

async function declare(name: string, args: Partial<RegistryListingArgs> = {}) {
  const listing = new listingModule.RegistryListing(name, {
    registryUrl: registry.url,
    agentId: "sos-acme",
    name: "Acme helper",
    skills: ["search", "summaries"],
    callbackUrl: "https://sos-acme-worker.acme.workers.dev/api/contact",
    ...args,
  });
  await new Promise((resolve) => listing.urn.apply(resolve));
  return registered.find((entry) => entry.name === name)!;
}

describe("Yellow Pages listing, through the serialized provider", () => {
  it("registers exactly the public profile and keeps the management token as a secret output", async () => {
    const registration = await declare("listing");
    expect(registration.additionalSecretOutputs).toEqual(["token"]);
    provider = serializedProvider(registration);
    expect(provider.inputs.payload).toEqual({
      agent_id: "sos-acme",
      public_profile: { name: "Acme helper", skills: ["search", "summaries"], uv_public: { coherence: null } },
      callback_url: "https://sos-acme-worker.acme.workers.dev/api/contact",
    });

    const created = await provider.run("create", [provider.inputs]);
    expect(created.error).toBeUndefined();
    const { id, outs } = created.result as { id: string; outs: RegistryListingState };
    expect(id).toBe("sos-acme");
    expect(outs.token).toBe(registry.listings.get("sos-acme")!.token);
    expect(provider.text).not.toContain(outs.token);

    const sent = registry.requests.at(-1)!;
    expect(sent).toMatchObject({ method: "POST", path: "/register" });
    expect(sent.body).toEqual(provider.inputs.payload);
    expect(sent.headers.authorization).toBeUndefined();

    // Re-register after a change of a public field: the token goes along, the registry keeps the listing.
    const renamed = {
      ...outs,
      payload: { ...outs.payload, public_profile: { ...outs.payload.public_profile, name: "Acme" } },
    };
    const diff = await provider.run("diff", ["sos-acme", outs, renamed]);
    expect(diff.result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    const updated = await provider.run("update", ["sos-acme", outs, renamed]);
    expect((updated.result as { outs: RegistryListingState }).outs.token).toBe(outs.token);
    expect(registry.requests.at(-1)!.headers.authorization).toBe(`Bearer ${outs.token}`);
    expect(registry.listings.get("sos-acme")!.payload).toEqual(renamed.payload);

    const unchanged = await provider.run("diff", ["sos-acme", renamed, renamed]);
    expect(unchanged.result).toMatchObject({ changes: false });

    const removed = await provider.run("delete", ["sos-acme", renamed]);
    expect(removed.error).toBeUndefined();
    expect(registry.requests.at(-1)).toMatchObject({ method: "DELETE", path: "/register/sos-acme" });
    expect(registry.listings.has("sos-acme")).toBe(false);
    // A listing already gone counts as removed.
    expect((await provider.run("delete", ["sos-acme", renamed])).error).toBeUndefined();
  });

  it("replaces the listing when the registry or the agent id changes", async () => {
    const outs = { registryUrl: registry.url, payload: provider.inputs.payload, token: "t" } as RegistryListingState;
    const moved = await registryListingProvider.diff!("id", outs, {
      ...outs,
      registryUrl: "https://other.example/registry",
    });
    expect(moved.replaces).toEqual(["registryUrl"]);
    const renamed = await registryListingProvider.diff!("id", outs, {
      ...outs,
      payload: { ...outs.payload, agent_id: "sos-other" },
    });
    expect(renamed.replaces).toEqual(["payload"]);
  });

  it("tries a failed registration again under the retry policy, as every Cloudflare call is", async () => {
    registry.failNext(503);
    const before = registry.requests.length;
    const created = await provider.run("create", [provider.inputs]);
    expect(created.error).toBeUndefined();
    expect(registry.requests.slice(before).map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /register",
      "POST /register",
    ]);
  });

  it("names the registry and the HTTP status when the registry keeps failing, after the policy's tries", async () => {
    const waits: number[] = [];
    const sleep = vi.spyOn(retryPolicy, "sleep").mockImplementation(async (ms) => void waits.push(ms));
    try {
      for (let i = 0; i < retryPolicy.attempts; i++) registry.failNext(503);
      const failed = await registryListingProvider.create!(provider.inputs as never).catch((error: Error) => error);
      expect((failed as Error).message).toMatch(
        new RegExp(
          `^Yellow Pages registry ${registry.url.replace(/[.]/g, "\\.")}: register answered 503 Service Unavailable: .* \\(after 5 attempts\\)$`,
        ),
      );
      expect(waits).toEqual([1000, 2000, 4000, 8000]);
      // A refusal is not tried again.
      waits.splice(0);
      registry.failNext(400);
      await expect(registryListingProvider.create!(provider.inputs as never)).rejects.toThrow(/answered 400/);
      expect(waits).toEqual([]);
    } finally {
      sleep.mockRestore();
    }
  });

  it("refuses a payload beyond the public profile before anything is sent", () => {
    const profile = {
      agentId: "sos-acme",
      name: "Acme",
      skills: ["a"],
      callbackUrl: "https://example.com/api/contact",
    };
    expect(listingModule.listingPayload(profile).public_profile.uv_public).toEqual({ coherence: null });
    expect(() =>
      listingModule.listingPayload({ ...profile, skills: Array.from({ length: 11 }, (_, i) => `s${i}`) }),
    ).toThrow();
    expect(() => listingModule.listingPayload({ ...profile, callbackUrl: "not a url" })).toThrow();
  });
});
