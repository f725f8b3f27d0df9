import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "./cloudflare-emulator";
import { wranglerPagesSite, wranglerTimeout, type WranglerRun } from "./wrangler";

const accountId = "0123456789abcdef0123456789abcdef";
const otherAccount = "fedcba9876543210fedcba9876543210";
const bareAccount = "00000000000000000000000000000bad";
let emulator: CloudflareEmulator;

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "main-token", accountId });
  emulator.addAccount(otherAccount, { name: "Other", workersDevSubdomain: "other-sub" });
  emulator.addAccount(bareAccount, { name: "Bare" });
  emulator.addToken("account-token", { owner: "account" });
  emulator.addToken("expired-token", { status: "expired", expiresOn: "2024-01-01T00:00:00Z" });
  emulator.addToken("many-accounts", { accounts: [accountId, otherAccount, bareAccount] });
  emulator.addToken("d1-only", { permissions: ["d1"] });
  emulator.addToken("no-d1", { permissions: ["kv", "workers-scripts", "pages"] });
  emulator.addToken("other-only", { accounts: [otherAccount] });
});
afterAll(async () => {
  await emulator.close();
});

/** A v4 envelope as the tests read it. */
interface Body {
  success: boolean;
  errors: { code: number; message: string }[];
  messages: unknown[];
  result: unknown;
  result_info?: Record<string, number>;
}
const items = (body: Body) => body.result as Record<string, unknown>[];

async function call(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

const refused = (code: number, message: string) => ({
  success: false,
  errors: [{ code, message }],
  messages: [],
  result: null,
});
const authenticationError = refused(10000, "Authentication error");

describe("token verification", () => {
  it("answers a user token with its id, status and Cloudflare's message", async () => {
    const { status, body } = await call("main-token", "/user/tokens/verify");
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      errors: [],
      messages: [{ code: 10000, message: "This API Token is valid and active", type: null }],
      result: { id: expect.stringMatching(/^[0-9a-f]{32}$/), status: "active" },
    });
  });

  it("answers an unknown token with 401 Invalid API Token (1000), a malformed header with 6003", async () => {
    expect(await call("nobody", "/user/tokens/verify")).toEqual({
      status: 401,
      body: refused(1000, "Invalid API Token"),
    });
    const malformed = await fetch(`${emulator.baseUrl}/user/tokens/verify`, { headers: { authorization: "nope" } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(6003);
  });

  it("verifies an account-owned token only under its account", async () => {
    expect(await call("account-token", "/user/tokens/verify")).toEqual({
      status: 401,
      body: refused(1000, "Invalid API Token"),
    });
    const underAccount = await call("account-token", `/accounts/${accountId}/tokens/verify`);
    expect(underAccount.status).toBe(200);
    expect(underAccount.body.result).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), status: "active" });
    expect((await call("main-token", `/accounts/${accountId}/tokens/verify`)).status).toBe(401);
    expect((await call("account-token", `/accounts/${otherAccount}/tokens/verify`)).status).toBe(401);
  });

  it("tells an expired token its status, and refuses it everywhere else", async () => {
    const { status, body } = await call("expired-token", "/user/tokens/verify");
    expect(status).toBe(200);
    expect(body.result).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: "expired",
      expires_on: "2024-01-01T00:00:00Z",
    });
    expect(body.messages).toEqual([]);
    expect(await call("expired-token", "/accounts")).toEqual({ status: 403, body: authenticationError });
  });

  it("refuses a token naming an account nobody registered", () => {
    expect(() => emulator.addToken("ghost", { accounts: ["nope"] })).toThrow(/no emulated account 'nope'/);
  });
});

describe("accounts", () => {
  it("lists the accounts a token may use, as List Accounts does", async () => {
    const { status, body } = await call("main-token", "/accounts");
    expect(status).toBe(200);
    expect(body.result).toEqual([
      {
        id: accountId,
        name: "SOS Test Account",
        type: "standard",
        settings: { enforce_twofactor: false },
        created_on: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(body.result_info).toEqual({ page: 1, per_page: 20, count: 1, total_count: 1 });
    expect(items((await call("other-only", "/accounts")).body).map((account) => account.id)).toEqual([otherAccount]);
  });

  it("pages by page and per_page, at most 50 a page", async () => {
    const first = await call("many-accounts", "/accounts?page=1&per_page=2");
    expect(items(first.body).map((account) => account.name)).toEqual(["SOS Test Account", "Other"]);
    expect(first.body.result_info).toEqual({ page: 1, per_page: 2, count: 2, total_count: 3 });
    const second = await call("many-accounts", "/accounts?page=2&per_page=2");
    expect(items(second.body).map((account) => account.name)).toEqual(["Bare"]);
    expect((await call("many-accounts", "/accounts?per_page=500")).body.result_info?.per_page).toBe(50);
  });

  it("exposes the registered accounts to tests", () => {
    expect(emulator.accounts()).toEqual([
      { id: accountId, name: "SOS Test Account", workersDevSubdomain: "sos-test" },
      { id: otherAccount, name: "Other", workersDevSubdomain: "other-sub" },
      { id: bareAccount, name: "Bare", workersDevSubdomain: null },
    ]);
  });

  it("refuses /user (9109) and /memberships (10000): tokens here carry no user-level permission", async () => {
    expect(await call("main-token", "/user")).toEqual({
      status: 403,
      body: refused(9109, "Unauthorized to access requested resource"),
    });
    expect(await call("main-token", "/memberships")).toEqual({ status: 403, body: authenticationError });
  });
});

describe("the workers.dev subdomain", () => {
  it("answers the account's subdomain", async () => {
    expect(await call("main-token", `/accounts/${accountId}/workers/subdomain`)).toEqual({
      status: 200,
      body: { success: true, errors: [], messages: [], result: { subdomain: "sos-test" } },
    });
  });

  it("answers an account without one with code 10007, the code wrangler checks", async () => {
    expect(await call("many-accounts", `/accounts/${bareAccount}/workers/subdomain`)).toEqual({
      status: 404,
      body: refused(10007, "workers.api.error.not_found"),
    });
  });

  it("registers one with PUT {subdomain}, once, and never one another account holds", async () => {
    const extra = "11111111111111111111111111111111";
    emulator.addAccount(extra);
    emulator.addToken("extra-token", { accounts: [extra] });
    const path = `/accounts/${extra}/workers/subdomain`;
    expect(await call("extra-token", path, { method: "PUT", body: { subdomain: "Not Valid" } })).toEqual({
      status: 400,
      body: refused(10021, 'Invalid subdomain: "Not Valid"'),
    });
    expect(await call("extra-token", path, { method: "PUT", body: { subdomain: "sos-test" } })).toEqual({
      status: 409,
      body: refused(10031, "workers.api.error.subdomain_unavailable"),
    });
    expect(await call("extra-token", path, { method: "PUT", body: { subdomain: "fresh-one" } })).toEqual({
      status: 200,
      body: { success: true, errors: [], messages: [], result: { subdomain: "fresh-one" } },
    });
    expect((await call("extra-token", path)).body.result).toEqual({ subdomain: "fresh-one" });
    expect(await call("extra-token", path, { method: "PUT", body: { subdomain: "another" } })).toEqual({
      status: 409,
      body: refused(10036, "workers.api.error.account_has_subdomain"),
    });
  });

  it("starts the main account without one when asked", async () => {
    const bare = await startCloudflareEmulator({ token: "t", accountId, workersDevSubdomain: null });
    try {
      expect(bare.accounts()).toEqual([{ id: accountId, name: "SOS Test Account", workersDevSubdomain: null }]);
      const response = await fetch(`${bare.baseUrl}/accounts/${accountId}/workers/subdomain`, {
        headers: { authorization: "Bearer t" },
      });
      expect(response.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe("the listing endpoints", () => {
  it("lists Workers scripts (one page, no result_info)", async () => {
    emulator.createWorkersScript("sos-demo-worker");
    const { status, body } = await call("main-token", `/accounts/${accountId}/workers/scripts`);
    expect(status).toBe(200);
    expect(body.result_info).toBeUndefined();
    expect(body.result).toEqual([
      {
        id: "sos-demo-worker",
        etag: expect.stringMatching(/^[0-9a-f]{64}$/),
        handlers: ["fetch"],
        created_on: expect.any(String),
        modified_on: expect.any(String),
        compatibility_date: "2025-01-01",
        compatibility_flags: [],
        has_assets: false,
        has_modules: true,
        logpush: false,
        last_deployed_from: "api",
        usage_model: "standard",
      },
    ]);
    expect((await call("main-token", `/accounts/${otherAccount}/workers/scripts`)).status).toBe(403);
  });

  it("lists KV namespaces by page, ordered as asked", async () => {
    const zulu = emulator.createKvNamespace("zulu", otherAccount);
    const alpha = emulator.createKvNamespace("alpha", otherAccount);
    const path = `/accounts/${otherAccount}/storage/kv/namespaces`;
    const { body } = await call("other-only", `${path}?order=title&direction=asc&per_page=1&page=1`);
    expect(body.result).toEqual([{ id: alpha.id, title: "alpha", supports_url_encoding: true }]);
    expect(body.result_info).toEqual({ page: 1, per_page: 1, count: 1, total_count: 2 });
    const desc = await call("other-only", `${path}?order=title&direction=desc`);
    expect(items(desc.body).map((namespace) => namespace.id)).toEqual([zulu.id, alpha.id]);
    expect(alpha.id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("permissions", () => {
  const d1 = `/accounts/${accountId}/d1/database`;
  const kv = `/accounts/${accountId}/storage/kv/namespaces`;
  const scripts = `/accounts/${accountId}/workers/scripts`;
  const subdomain = `/accounts/${accountId}/workers/subdomain`;
  const pages = `/accounts/${accountId}/pages/projects`;

  it("refuses a token without a product's permission as that product does", async () => {
    expect((await call("d1-only", d1)).status).toBe(200);
    expect(await call("d1-only", kv)).toEqual({ status: 403, body: authenticationError });
    expect(await call("d1-only", scripts)).toEqual({ status: 403, body: authenticationError });
    expect(await call("d1-only", subdomain)).toEqual({ status: 403, body: authenticationError });
    expect(await call("d1-only", pages)).toEqual({ status: 403, body: authenticationError });
    expect(await call("no-d1", d1)).toEqual({
      status: 403,
      body: refused(7403, "The given account is not valid or is not authorized to access this service"),
    });
    for (const path of [kv, scripts, subdomain, pages]) expect((await call("no-d1", path)).status).toBe(200);
  });

  it("refuses a registered account the token was not given", async () => {
    expect(await call("other-only", kv)).toEqual({ status: 403, body: authenticationError });
    expect((await call("other-only", d1)).body.errors[0]!.code).toBe(7403);
    expect((await call("other-only", `/accounts/${otherAccount}/workers/subdomain`)).status).toBe(200);
  });

  it("leaves an account nobody registered to the product area (D1 answers 7403)", async () => {
    const foreign = "99999999999999999999999999999999";
    expect((await call("main-token", `/accounts/${foreign}/d1/database`)).body.errors).toEqual([
      { code: 7403, message: "The given account is not valid or is not authorized to access this service" },
    ]);
    expect(await call("main-token", `/accounts/${foreign}/workers/subdomain`)).toEqual({
      status: 403,
      body: authenticationError,
    });
  });
});

/** Runs wrangler in a bare folder (a Pages site's, unused) with the given token on the main account. */
async function wrangler(token: string, ...args: string[]): Promise<WranglerRun> {
  const site = wranglerPagesSite({ ...emulator, token });
  try {
    return await site.run(...args);
  } finally {
    site.remove();
  }
}

describe("wrangler against these endpoints", () => {
  it(
    "whoami reads the token's kind, its accounts and the refused /user as wrangler expects",
    async () => {
      const json = await wrangler("main-token", "whoami", "--json");
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        loggedIn: true,
        authType: "User API Token",
        accounts: [
          {
            id: accountId,
            name: "SOS Test Account",
            type: "standard",
            settings: { enforce_twofactor: false },
            created_on: expect.any(String),
          },
        ],
      });

      const owned = await wrangler("account-token", "whoami");
      expect(owned.code, owned.stderr).toBe(0);
      // /user/tokens/verify answering 1000 is how wrangler tells an account-owned token.
      expect(owned.stdout).toContain(
        "You are logged in with an Account API Token, associated with the account SOS Test Account.",
      );
    },
    wranglerTimeout,
  );

  it(
    "kv namespace list reads the paged list",
    async () => {
      const sessions = emulator.createKvNamespace("sessions");
      const run = await wrangler("main-token", "kv", "namespace", "list");
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([{ id: sessions.id, title: "sessions", supports_url_encoding: true }]);
    },
    wranglerTimeout,
  );

  it(
    "reads a missing Pages permission as an authentication error, and a missing D1 one as 7403",
    async () => {
      const pages = await wrangler("d1-only", "pages", "project", "list");
      expect(pages.code).toBe(1);
      expect(pages.stderr).toContain("Authentication error [code: 10000]");
      // wrangler then runs whoami, whose /memberships refusal it explains in its own words.
      expect(pages.stdout).toContain("Are you missing the `User->Memberships->Read` permission?");

      const d1 = await wrangler("no-d1", "d1", "list");
      expect(d1.code).toBe(1);
      expect(d1.stderr).toContain(
        "The given account is not valid or is not authorized to access this service [code: 7403]",
      );
    },
    wranglerTimeout,
  );
});

describe("Workers and KV namespaces written through the API", () => {
  const account = `/accounts/${accountId}`;

  it("uploads a Worker with its bindings, lists it, and deletes it (10007 once gone)", async () => {
    const form = new FormData();
    form.set("metadata", JSON.stringify({ main_module: "worker.js", bindings: [{ name: "DB", type: "d1", id: "x" }] }));
    form.set("worker.js", new Blob(["export default {}"], { type: "application/javascript+module" }), "worker.js");
    const uploaded = await fetch(`${emulator.baseUrl}${account}/workers/scripts/api-written`, {
      method: "PUT",
      headers: { authorization: "Bearer main-token" },
      body: form,
    });
    expect(uploaded.status).toBe(200);
    expect(emulator.workersScripts().find((script) => script.name === "api-written")).toEqual({
      name: "api-written",
      bindings: [{ name: "DB", type: "d1", id: "x" }],
    });
    expect((await call("main-token", `${account}/workers/scripts/api-written`, { method: "DELETE" })).status).toBe(200);
    const gone = await call("main-token", `${account}/workers/scripts/api-written`, { method: "DELETE" });
    expect(gone).toEqual({ status: 404, body: refused(10007, "workers.api.error.script_not_found") });
  });

  it("creates a namespace (a title taken is 10014), reads, renames and deletes it", async () => {
    const created = await call("main-token", `${account}/storage/kv/namespaces`, {
      method: "POST",
      body: { title: "api-written-session" },
    });
    expect(created.status).toBe(200);
    const id = (created.body.result as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const again = await call("main-token", `${account}/storage/kv/namespaces`, {
      method: "POST",
      body: { title: "api-written-session" },
    });
    expect(again).toEqual({
      status: 400,
      body: refused(10014, "a namespace with this account ID and title already exists"),
    });
    await call("main-token", `${account}/storage/kv/namespaces/${id}`, { method: "PUT", body: { title: "renamed" } });
    expect((await call("main-token", `${account}/storage/kv/namespaces/${id}`)).body.result).toMatchObject({
      id,
      title: "renamed",
    });
    expect((await call("main-token", `${account}/storage/kv/namespaces/${id}`, { method: "DELETE" })).status).toBe(200);
    expect(emulator.kvNamespaces().some((namespace) => namespace.id === id)).toBe(false);
    expect((await call("main-token", `${account}/storage/kv/namespaces/${id}`)).status).toBe(404);
  });
});

describe("wrangler against the KV namespace endpoints", () => {
  it(
    "creates a namespace, recognises a title taken by its 10014, and deletes the namespace",
    async () => {
      const created = await wrangler("main-token", "kv", "namespace", "create", "wrangler-made");
      expect(created.code, created.stderr).toBe(0);
      const namespace = emulator.kvNamespaces().find((candidate) => candidate.title === "wrangler-made")!;
      expect(namespace).toBeDefined();
      expect(created.stdout).toContain(namespace.id);

      const again = await wrangler("main-token", "kv", "namespace", "create", "wrangler-made");
      expect(again.code).not.toBe(0);
      expect(`${again.stdout}${again.stderr}`).toContain(
        'A KV namespace with the title "wrangler-made" already exists.',
      );

      const deleted = await wrangler(
        "main-token",
        "kv",
        "namespace",
        "delete",
        "--namespace-id",
        namespace.id,
        "--skip-confirmation",
      );
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(emulator.kvNamespaces().some((candidate) => candidate.id === namespace.id)).toBe(false);
    },
    wranglerTimeout,
  );
});
