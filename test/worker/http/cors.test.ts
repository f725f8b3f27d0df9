import { describe, expect, it } from "vitest";
import { testPagesOrigin, useWorker } from "../../support/worker-harness";

const harness = useWorker();

const preflight = (origin: string, base?: string) =>
  harness.request("OPTIONS", "/api/memories", undefined, {
    auth: false,
    ...(base !== undefined && { base }),
    headers: {
      origin,
      "access-control-request-method": "PATCH",
      "access-control-request-headers": "authorization, content-type",
    },
  });

describe("CORS", () => {
  it("allows a configured origin on responses and varies on Origin", async () => {
    const response = await harness.request("GET", "/api/state", undefined, { headers: { origin: testPagesOrigin } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(testPagesOrigin);
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("lets an allowed page read error responses too", async () => {
    const response = await harness.request("GET", "/api/state", undefined, {
      auth: false,
      headers: { origin: testPagesOrigin },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(testPagesOrigin);
  });

  it("gives another origin no allow-origin header", async () => {
    const response = await harness.request("GET", "/api/state", undefined, {
      headers: { origin: "https://evil.example" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight from an allowed origin without a key", async () => {
    const response = await preflight(testPagesOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(testPagesOrigin);
    expect(response.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(response.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(response.headers.get("access-control-max-age")).toBe("600");
  });

  it("refuses a preflight from another origin", async () => {
    const response = await preflight("https://evil.example");
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.body).toEqual({
      error: { code: "origin_not_allowed", message: "This origin may not call the API." },
    });
  });

  it("does not confuse an origin that merely starts like an allowed one", async () => {
    const response = await preflight(`${testPagesOrigin}.evil.example`);
    expect(response.status).toBe(403);
  });

  it("allows localhost pages only when the worker itself runs on localhost", async () => {
    const local = await preflight("http://localhost:5173", "http://localhost:8787");
    expect(local.status).toBe(204);
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const loopback = await preflight("http://127.0.0.1:3000", "http://127.0.0.1:8787");
    expect(loopback.status).toBe(204);

    const deployed = await preflight("http://localhost:5173");
    expect(deployed.status).toBe(403);
    const get = await harness.request("GET", "/api/state", undefined, { headers: { origin: "http://localhost:5173" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("does not extend the localhost allowance to other local-looking origins", async () => {
    expect((await preflight("https://localhost:5173", "http://localhost:8787")).status).toBe(403);
    expect((await preflight("http://localhost.evil.example", "http://localhost:8787")).status).toBe(403);
  });
});
