import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../cli/local-worker";
import { buildFrontend } from "../../stack/bundle-frontend";

const key = "local-run-key-0123456789";
const vars = {
  AGENT_KEY: key,
  AGENT_ID: "local-run",
  AGENT_NAME: "SOS",
  LLM_PROVIDER: "workers-ai",
  EMBEDDING_PROVIDER: "workers-ai",
  TELEMETRY: "false",
  YELLOW_PAGES: "false",
};

let dir: string;
let withAssets: LocalWorker;
let apiOnly: LocalWorker;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "sos-local-run-"));
  buildFrontend(path.join(dir, "site"), { workerUrl: "" });
  [withAssets, apiOnly] = await Promise.all([
    startLocalWorker({ vars, assets: path.join(dir, "site"), port: 0 }),
    startLocalWorker({ vars, port: 0 }),
  ]);
});
afterAll(async () => {
  await Promise.all([withAssets?.close(), apiOnly?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const get = (worker: LocalWorker, path: string, auth = false) =>
  fetch(new URL(path, worker.url), auth ? { headers: { authorization: `Bearer ${key}` } } : {});

describe("the local run with the frontend (npm start)", () => {
  it("serves the built app on the worker's own origin", async () => {
    const page = await get(withAssets, "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toBe(readFileSync(path.join(dir, "site", "index.html"), "utf8"));
    const script = await get(withAssets, "/app.js");
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(await script.text()).toBe(readFileSync(path.join(dir, "site", "app.js"), "utf8"));
    expect(await (await get(withAssets, "/config.json")).json()).toEqual({ workerUrl: "" });
  });

  it("serves the app with its security headers: no framing by any site, no sniffing, no referrer", async () => {
    for (const file of ["/", "/app.js", "/config.json"]) {
      const response = await get(withAssets, file);
      expect(response.status, file).toBe(200);
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy, file).toContain("frame-ancestors 'none'");
      expect(policy, file).toContain("default-src 'none'");
      expect(response.headers.get("x-frame-options"), file).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), file).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), file).toBe("no-referrer");
      await response.arrayBuffer();
    }
    // The headers file itself is not served: the worker answers that path, as without the app.
    const [headersFile, plain] = await Promise.all([get(withAssets, "/_headers"), get(apiOnly, "/_headers")]);
    expect(headersFile.status).toBe(plain.status);
    expect(await headersFile.text()).toBe(await plain.text());
  });

  it("leaves every other path to the worker, answering exactly as without the app", async () => {
    for (const [route, auth] of [
      ["/api/health", false],
      ["/api/memories", false],
      ["/api/state", true],
      ["/health", true],
      ["/stats", true],
      ["/no-such-file.js", false],
    ] as const) {
      const [served, plain] = await Promise.all([get(withAssets, route, auth), get(apiOnly, route, auth)]);
      expect(served.status, route).toBe(plain.status);
      expect(served.headers.get("content-type"), route).toBe(plain.headers.get("content-type"));
      const [a, b] = [await served.json(), await plain.json()];
      expect(a, route).toEqual(b);
    }
  });

  it("without an assets folder, the worker answers / itself", async () => {
    const response = await get(apiOnly, "/", true);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "not_found", message: "No route for GET /" } });
  });
});
