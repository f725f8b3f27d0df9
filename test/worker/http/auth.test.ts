import { describe, expect, it } from "vitest";
import { createRouter } from "../../../worker/router";
import { publicRoutes } from "../../../worker/routes/public-routes";
import { testAgentKey, useWorker, type WorkerHarness } from "../../support/worker-harness";

const half = { p: 0.5, e: 0.5, mu: 0.5, v: 0.5, n: 0.5, delta: 0.5, r: 0.5, phi: 0.5 };
const halfOuter = { pt: 0.5, et: 0.5, mut: 0.5, vt: 0.5, nt: 0.5, deltat: 0.5, rt: 0.5, phit: 0.5 };

interface PrivateRoute {
  method: string;
  /** The route as registered. */
  pattern: string;
  path: string;
  body?: unknown;
  /** Status with the right key (on an empty database). */
  expected: number;
}

/** Every route but the public ones, with a request that is valid for it. */
const privateRoutes: PrivateRoute[] = [
  { method: "POST", pattern: "/api/memories", path: "/api/memories", body: { text: "auth matrix" }, expected: 201 },
  { method: "GET", pattern: "/api/memories", path: "/api/memories", expected: 200 },
  {
    method: "POST",
    pattern: "/api/memories/search",
    path: "/api/memories/search",
    body: { query: "auth" },
    expected: 200,
  },
  { method: "GET", pattern: "/api/memories/:id", path: "/api/memories/missing", expected: 404 },
  { method: "PATCH", pattern: "/api/memories/:id", path: "/api/memories/missing", body: { text: "x" }, expected: 404 },
  { method: "DELETE", pattern: "/api/memories/:id", path: "/api/memories/missing", expected: 404 },
  // No model is configured in this harness: chat refuses with 503 after auth, never before it.
  { method: "POST", pattern: "/api/chat", path: "/api/chat", body: { message: "auth matrix" }, expected: 503 },
  { method: "GET", pattern: "/api/providers", path: "/api/providers", expected: 200 },
  { method: "POST", pattern: "/chat", path: "/chat", body: { message: "auth matrix" }, expected: 503 },
  { method: "GET", pattern: "/api/state", path: "/api/state", expected: 200 },
  { method: "PUT", pattern: "/api/state", path: "/api/state", body: { inner: half, outer: halfOuter }, expected: 200 },
  { method: "PATCH", pattern: "/api/state", path: "/api/state", body: { inner: { p: 0.6 } }, expected: 200 },
  { method: "GET", pattern: "/api/sessions", path: "/api/sessions", expected: 200 },
  { method: "DELETE", pattern: "/api/sessions", path: "/api/sessions", expected: 200 },
  { method: "GET", pattern: "/api/sessions/:id", path: "/api/sessions/missing", expected: 404 },
  { method: "DELETE", pattern: "/api/sessions/:id", path: "/api/sessions/missing", expected: 404 },
  { method: "GET", pattern: "/api/conversations", path: "/api/conversations", expected: 200 },
  { method: "GET", pattern: "/api/conversations/:id", path: "/api/conversations/missing", expected: 404 },
  {
    method: "PATCH",
    pattern: "/api/conversations/:id",
    path: "/api/conversations/missing",
    body: { title: "renamed" },
    expected: 404,
  },
  { method: "DELETE", pattern: "/api/conversations/:id", path: "/api/conversations/missing", expected: 404 },
  { method: "GET", pattern: "/api/export", path: "/api/export", expected: 200 },
  { method: "POST", pattern: "/api/import", path: "/api/import", body: { format: "sos-export/1" }, expected: 200 },
  { method: "DELETE", pattern: "/api/data", path: "/api/data", body: { confirm: "erase everything" }, expected: 200 },
  { method: "GET", pattern: "/api/contact", path: "/api/contact", expected: 200 },
  { method: "GET", pattern: "/api/contact/:id", path: "/api/contact/missing", expected: 404 },
  { method: "DELETE", pattern: "/api/contact/:id", path: "/api/contact/missing", expected: 404 },
  { method: "GET", pattern: "/health", path: "/health", expected: 200 },
  { method: "POST", pattern: "/memory/store", path: "/memory/store", body: { text: "auth matrix" }, expected: 200 },
  { method: "POST", pattern: "/memory/search", path: "/memory/search", body: { query: "auth" }, expected: 200 },
  { method: "GET", pattern: "/memory/recent", path: "/memory/recent", expected: 200 },
  { method: "GET", pattern: "/agent/state", path: "/agent/state", expected: 200 },
  { method: "POST", pattern: "/agent/update", path: "/agent/update", body: { p: 0.7 }, expected: 200 },
  {
    method: "POST",
    pattern: "/store",
    path: "/store",
    body: { agent: "river", context_id: "auth", text: "auth matrix" },
    expected: 200,
  },
  { method: "POST", pattern: "/search", path: "/search", body: { query: "auth" }, expected: 200 },
  { method: "GET", pattern: "/recent/:agent", path: "/recent/river", expected: 200 },
  { method: "GET", pattern: "/stats", path: "/stats", expected: 200 },
];

const wrongKeys = {
  "no header": false,
  "another key of the same length": testAgentKey.replace(/.$/, (c) => (c === "x" ? "y" : "x")),
  "a prefix of the key": testAgentKey.slice(0, -1),
  "the key with more after it": `${testAgentKey}0`,
} as const;

/** A message to the public inbox, without a key. */
function sendToInbox(harness: WorkerHarness) {
  return harness.request("POST", "/api/contact", { from_agent: "peer", message: "hello" }, { auth: false });
}

describe("the auth matrix", () => {
  const harness = useWorker();

  it("covers every registered route that is not public", () => {
    const registered = createRouter()
      .routes.map(([method, , , path]) => `${method} ${path}`)
      .filter((route) => !publicRoutes.some((open) => `${open.method} ${open.path}` === route))
      .sort();
    expect(privateRoutes.map((route) => `${route.method} ${route.pattern}`).sort()).toEqual(registered);
  });

  for (const route of privateRoutes) {
    for (const [label, auth] of Object.entries(wrongKeys)) {
      it(`${route.method} ${route.path} with ${label}: 401`, async () => {
        const response = await harness.request(route.method, route.path, route.body, { auth });
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toBe('Bearer realm="sos"');
        expect(JSON.stringify(response.body)).toContain("unauthorized");
      });
    }

    it(`${route.method} ${route.path} with the right key: ${route.expected}`, async () => {
      const response = await harness.request(route.method, route.path, route.body);
      expect(response.status).toBe(route.expected);
    });
  }

  it("accepts the scheme in any case and refuses other schemes", async () => {
    const lower = await harness.request("GET", "/api/state", undefined, {
      auth: false,
      headers: { authorization: `bearer ${testAgentKey}` },
    });
    expect(lower.status).toBe(200);
    const basic = await harness.request("GET", "/api/state", undefined, {
      auth: false,
      headers: { authorization: `Basic ${testAgentKey}` },
    });
    expect(basic.status).toBe(401);
  });

  it("leaves the public routes open", async () => {
    expect((await harness.request("GET", "/api/health", undefined, { auth: false })).status).toBe(200);
    expect((await sendToInbox(harness)).status).toBe(201);
  });
});

describe("without a configured agent key", () => {
  const harness = useWorker({ AGENT_KEY: undefined });

  for (const route of privateRoutes) {
    it(`${route.method} ${route.path} refuses with 503, whatever key is sent`, async () => {
      for (const auth of [false, testAgentKey, ""]) {
        const response = await harness.request(route.method, route.path, route.body, { auth });
        expect(response.status).toBe(503);
        expect(JSON.stringify(response.body)).toContain("agent_key_missing");
      }
    });
  }

  it("still serves health (saying no key is configured) and the contact inbox", async () => {
    const health = await harness.request("GET", "/api/health", undefined, { auth: false });
    expect(health.status).toBe(200);
    expect(health.body.agent_key_configured).toBe(false);
    expect((await sendToInbox(harness)).status).toBe(201);
  });
});

describe("with a blank agent key", () => {
  const harness = useWorker({ AGENT_KEY: "   " });

  it("treats it as no key: 503, never open", async () => {
    const response = await harness.request("GET", "/api/memories", undefined, { auth: "   " });
    expect(response.status).toBe(503);
  });
});
