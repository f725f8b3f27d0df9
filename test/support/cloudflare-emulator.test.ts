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
