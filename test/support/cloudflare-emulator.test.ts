import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "./cloudflare-emulator";

const accountId = "0123456789abcdef0123456789abcdef";
let emulator: CloudflareEmulator;

beforeAll(async () => {
  emulator = await startCloudflareEmulator({ token: "emulator-token", accountId });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.resetRequests());

async function get(path: string, headers: Record<string, string>) {
  const response = await fetch(`${emulator.baseUrl}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the emulator's server", () => {
  it("listens on loopback under /client/v4", () => {
    expect(emulator.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(emulator.accountId).toBe(accountId);
    expect(emulator.token).toBe("emulator-token");
  });

  it("answers a missing token as Cloudflare does: 400, code 9106", async () => {
    expect(await get(`/accounts/${accountId}/d1/database`, {})).toEqual({
      status: 400,
      body: {
        success: false,
        errors: [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }],
        messages: [],
        result: null,
      },
    });
  });

  it("answers a wrong token with 403 Authentication error (10000)", async () => {
    expect(await get(`/accounts/${accountId}/d1/database`, { authorization: "Bearer not-the-token" })).toEqual({
      status: 403,
      body: { success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null },
    });
  });

  it("answers a malformed Authorization header with 400, code 6003 chained to 6111", async () => {
    const { status, body } = await get(`/accounts/${accountId}/d1/database`, { authorization: "Token abc" });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        code: 6003,
        message: "Invalid request headers",
        error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
      },
    ]);
  });

  it("names a route it does not emulate", async () => {
    const { status, body } = await get(`/accounts/${accountId}/r2/buckets`, {
      authorization: "Bearer emulator-token",
    });
    expect(status).toBe(404);
    expect(body.success).toBe(false);
    expect(body.errors).toEqual([
      {
        code: 7000,
        message: `No route for that URI: GET /client/v4/accounts/${accountId}/r2/buckets (not emulated)`,
      },
    ]);
  });

  it("records every request, refused ones too, until reset", async () => {
    await get(`/accounts/${accountId}/d1/database?name=x`, {});
    await fetch(`${emulator.baseUrl}/accounts/${accountId}/d1/database`, {
      method: "POST",
      headers: { authorization: "Bearer emulator-token", "content-type": "application/json" },
      body: JSON.stringify({ name: "recorded" }),
    });
    expect(emulator.requests).toEqual([
      { method: "GET", path: `/accounts/${accountId}/d1/database`, search: "?name=x", body: undefined },
      { method: "POST", path: `/accounts/${accountId}/d1/database`, search: "", body: { name: "recorded" } },
    ]);
    emulator.resetRequests();
    expect(emulator.requests).toEqual([]);
  });
});

describe("injected faults", () => {
  const path = `/accounts/${accountId}/d1/database`;
  const authorized = { authorization: "Bearer emulator-token" };

  it("answers the next matching calls with the failure, Retry-After included, then the route again", async () => {
    emulator.injectFault({
      method: "GET",
      path,
      status: 429,
      errors: [{ code: 971, message: "Please wait" }],
      retryAfter: "7",
      times: 2,
    });
    expect(emulator.pendingFaults()).toBe(2);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${emulator.baseUrl}${path}`, { headers: authorized });
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("7");
      expect(await response.json()).toEqual({
        success: false,
        errors: [{ code: 971, message: "Please wait" }],
        messages: [],
        result: null,
      });
    }
    expect((await get(path, authorized)).status).toBe(200);
    expect(emulator.pendingFaults()).toBe(0);
    expect(emulator.requests.map((request) => request.fault)).toEqual(["429", "429", undefined]);
  });

  it("defaults to Cloudflare's generic 500, matches paths by pattern and leaves other methods alone", async () => {
    emulator.injectFault({ method: "POST", path: /\/d1\/database\/[^/]+\/query$/ });
    expect((await get(path, authorized)).status).toBe(200);
    const database = emulator.createD1Database(`faulty-${Date.now()}`);
    const query = () =>
      fetch(`${emulator.baseUrl}${path}/${database.uuid}/query`, {
        method: "POST",
        headers: { ...authorized, "content-type": "application/json" },
        body: JSON.stringify({ sql: "SELECT 1" }),
      });
    const failed = await query();
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { errors: unknown }).errors).toEqual([
      { code: 10001, message: "Internal server error" },
    ]);
    expect((await query()).status).toBe(200);
  });

  it("can close the connection with no answer, as a network failure", async () => {
    emulator.injectFault({ path, network: true });
    const failure = await fetch(`${emulator.baseUrl}${path}`, { headers: authorized }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("fetch failed");
    expect(emulator.requests.at(-1)?.fault).toBe("network");
    expect((await get(path, authorized)).status).toBe(200);
  });

  it("refuses a revoked token everywhere, as a rolled one is", async () => {
    emulator.addToken("to-be-rolled");
    expect((await get(path, { authorization: "Bearer to-be-rolled" })).status).toBe(200);
    emulator.revokeToken("to-be-rolled");
    const refused = await get(path, { authorization: "Bearer to-be-rolled" });
    expect(refused).toEqual({
      status: 403,
      body: { success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null },
    });
  });
});

describe("injected faults after the route", () => {
  it("carries the call out and loses its answer, and can pick calls by their body", async () => {
    const database = emulator.createD1Database(`after-route-${Date.now()}`);
    const query = `/accounts/${accountId}/d1/database/${database.uuid}/query`;
    emulator.injectFault({ path: query, body: /INSERT/, network: true, afterRoute: true });
    const send = (sql: string) =>
      fetch(`${emulator.baseUrl}${query}`, {
        method: "POST",
        headers: { authorization: "Bearer emulator-token", "content-type": "application/json" },
        body: JSON.stringify({ sql }),
      });
    expect((await send("CREATE TABLE t (x)")).status).toBe(200);
    const lost = await send("INSERT INTO t VALUES (1)").catch((error: Error) => error);
    expect(lost).toBeInstanceOf(TypeError);
    expect(emulator.d1(database.uuid).prepare("SELECT x FROM t").all()).toEqual([{ x: 1 }]);
  });
});
