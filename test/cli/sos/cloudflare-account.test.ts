import { beforeAll, describe, expect, it } from "vitest";
import {
  checkPermissions,
  countD1Databases,
  getWorkersDevSubdomain,
  listAccounts,
  noWorkersDevSubdomainMessage,
  verifyToken,
} from "../../../cli/sos/cloudflare-account";
import { SosError } from "../../../cli/sos/errors";
import { CloudflareApiError } from "../../../stack/cloudflare-api";
import { useCloudflareEmulator } from "../../support/use-cloudflare-emulator";

const accountId = "0123456789abcdef0123456789abcdef";
const bareAccount = "00000000000000000000000000000bad";
const emulator = useCloudflareEmulator({ token: "main-token", accountId });

beforeAll(() => {
  emulator().addAccount(bareAccount, { name: "No subdomain yet", workersDevSubdomain: null });
  emulator().addToken("both-accounts", { accounts: [accountId, bareAccount] });
  emulator().addToken("no-pages-no-kv", { permissions: ["d1", "workers-scripts"] });
  emulator().addToken("no-d1", { permissions: ["kv", "workers-scripts", "pages"] });
  emulator().addToken("account-owned", { owner: "account" });
  emulator().addToken("disabled", { status: "disabled" });
});

describe("verifyToken", () => {
  it("answers a valid token with its id", async () => {
    expect(await verifyToken("main-token")).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: "active",
      expiresOn: undefined,
      owner: "user",
    });
  });

  it("says what to do with a token Cloudflare does not know", async () => {
    const refusal = verifyToken("not-a-real-token");
    await expect(refusal).rejects.toBeInstanceOf(SosError);
    await expect(refusal).rejects.toThrow(
      "The Cloudflare API token is not valid (401 verify the API token: Invalid API Token [code 1000]): " +
        "create one at https://dash.cloudflare.com/profile/api-tokens with Account > D1 > Edit, " +
        "Account > Workers KV Storage > Edit, Account > Workers Scripts > Edit, Account > Cloudflare Pages > Edit, " +
        "then give it to sos again.",
    );
  });

  it("takes an Account API Token, which only its account's verify endpoint knows", async () => {
    emulator().resetRequests();
    expect(await verifyToken("account-owned")).toMatchObject({ status: "active", owner: "account" });
    expect(emulator().requests.map((request) => request.path)).toEqual([
      "/user/tokens/verify",
      "/accounts",
      `/accounts/${accountId}/tokens/verify`,
    ]);
  });

  it("refuses a disabled token, saying to roll it", async () => {
    await expect(verifyToken("disabled")).rejects.toThrow(
      "The Cloudflare API token is disabled: roll it or create a new one at https://dash.cloudflare.com/profile/api-tokens",
    );
  });
});

describe("listAccounts", () => {
  it("lists every account the token reaches, page after page", async () => {
    const many = Array.from({ length: 53 }, (_, index) => `${String(index).padStart(2, "0")}${"a".repeat(30)}`);
    for (const id of many) emulator().addAccount(id, { name: `Tenant ${id.slice(0, 2)}` });
    emulator().addToken("fifty-three", { accounts: many });
    emulator().resetRequests();

    const accounts = await listAccounts("fifty-three");
    expect(accounts).toHaveLength(53);
    expect(accounts[0]).toEqual({ id: many[0], name: "Tenant 00" });
    expect(accounts.at(-1)).toEqual({ id: many[52], name: "Tenant 52" });
    expect(emulator().requests.map((request) => request.search)).toEqual([
      "?page=1&per_page=50",
      "?page=2&per_page=50",
    ]);
  });

  it("lists only the accounts the token was given", async () => {
    expect(await listAccounts("main-token")).toEqual([{ id: accountId, name: "SOS Test Account" }]);
  });
});

describe("checkPermissions", () => {
  it("passes a token with every permission the stack needs", async () => {
    const checks = await checkPermissions("main-token", accountId);
    expect(checks).toEqual([
      { capability: "D1 databases", ok: true },
      { capability: "Workers KV namespaces", ok: true },
      { capability: "Workers scripts", ok: true },
      { capability: "workers.dev subdomain", ok: true },
      { capability: "Cloudflare Pages projects", ok: true },
    ]);
  });

  it("names the permission group to add for each capability the token lacks", async () => {
    expect(await checkPermissions("no-pages-no-kv", accountId)).toEqual([
      { capability: "D1 databases", ok: true },
      { capability: "Workers KV namespaces", ok: false, fix: "Account > Workers KV Storage > Edit" },
      { capability: "Workers scripts", ok: true },
      { capability: "workers.dev subdomain", ok: true },
      { capability: "Cloudflare Pages projects", ok: false, fix: "Account > Cloudflare Pages > Edit" },
    ]);
  });

  it("reads D1's own refusal (7403) as a missing D1 permission", async () => {
    const checks = await checkPermissions("no-d1", accountId);
    expect(checks.filter((check) => !check.ok)).toEqual([
      { capability: "D1 databases", ok: false, fix: "Account > D1 > Edit" },
    ]);
  });

  it("does not count a missing workers.dev subdomain against the token", async () => {
    const checks = await checkPermissions("both-accounts", bareAccount);
    expect(checks.find((check) => check.capability === "workers.dev subdomain")).toEqual({
      capability: "workers.dev subdomain",
      ok: true,
    });
  });

  it("sends the five probes at once, each a read", async () => {
    emulator().resetRequests();
    await checkPermissions("main-token", accountId);
    expect(emulator().requests.every((request) => request.method === "GET")).toBe(true);
    expect(
      emulator()
        .requests.map((request) => request.path)
        .sort(),
    ).toEqual(
      [
        `/accounts/${accountId}/d1/database`,
        `/accounts/${accountId}/pages/projects`,
        `/accounts/${accountId}/storage/kv/namespaces`,
        `/accounts/${accountId}/workers/scripts`,
        `/accounts/${accountId}/workers/subdomain`,
      ].sort(),
    );
  });
});

describe("getWorkersDevSubdomain", () => {
  it("answers the account's subdomain", async () => {
    expect(await getWorkersDevSubdomain("main-token", accountId)).toBe("sos-test");
  });

  it("answers null for an account that has none, and says what to do", async () => {
    expect(await getWorkersDevSubdomain("both-accounts", bareAccount)).toBeNull();
    expect(noWorkersDevSubdomainMessage(bareAccount)).toContain(
      `https://dash.cloudflare.com/${bareAccount}/workers/onboarding`,
    );
  });

  it("lets any other error through", async () => {
    const refusal = getWorkersDevSubdomain("main-token", bareAccount);
    await expect(refusal).rejects.toBeInstanceOf(CloudflareApiError);
    await expect(refusal).rejects.toThrow(/^403 get the workers.dev subdomain .*Authentication error \[code 10000\]/);
  });
});

describe("countD1Databases", () => {
  it("counts every database, page after page", async () => {
    expect(await countD1Databases("main-token", accountId)).toBe(0);
    for (let index = 0; index < 101; index++) emulator().createD1Database(`count-${index}`);
    emulator().resetRequests();
    expect(await countD1Databases("main-token", accountId)).toBe(101);
    expect(emulator().requests.map((request) => request.search)).toEqual([
      "?page=1&per_page=100",
      "?page=2&per_page=100",
    ]);
  });
});
