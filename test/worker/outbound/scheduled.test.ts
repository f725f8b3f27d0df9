import { Response as MiniflareResponse, type Request as MiniflareRequest } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeRegistry, type FakeRegistry } from "../../support/fake-registry";
import { useWorker, type WorkerHarness } from "../../support/worker-harness";

/**
 * The daily cron, run in workerd with each combination of opt-ins. Every outbound request is
 * recorded; the registry and telemetry hosts are answered by a fake registry.
 */

const registryHost = "registry.example";
const telemetryHost = "telemetry.example";
const registryToken = "registry-management-token-0001";
let registry: FakeRegistry;
const sent: { host: string; path: string; authorization: string | null; body: unknown }[] = [];

async function outbound(request: MiniflareRequest): Promise<MiniflareResponse> {
  const url = new URL(request.url);
  const body = request.method === "POST" ? await request.json() : undefined;
  sent.push({ host: url.host, path: url.pathname, authorization: request.headers.get("authorization"), body });
  if (url.host !== registryHost && url.host !== telemetryHost) return new MiniflareResponse("refused", { status: 599 });
  const upstream = await fetch(`${registry.url}${url.pathname.replace(/^\/registry/, "")}`, {
    method: request.method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return new MiniflareResponse(await upstream.text(), { status: upstream.status });
}

beforeAll(async () => {
  registry = await startFakeRegistry();
});
afterAll(async () => {
  await registry.close();
});

const listingVars = {
  YELLOW_PAGES: "true",
  REGISTRY_URL: `https://${registryHost}/registry`,
  REGISTRY_TOKEN: registryToken,
  SHARE_COHERENCE: "true",
};
const telemetryVars = { TELEMETRY: "true", TELEMETRY_URL: `https://${telemetryHost}/telemetry` };

/** Runs the cron once and returns what left the worker. */
async function runCron(harness: WorkerHarness): Promise<typeof sent> {
  sent.splice(0);
  const state = await harness.request("PUT", "/api/state", {
    inner: { p: 0.9, e: 0.8, mu: 0.7, v: 0.66, n: 0.5, delta: 0.4, r: 0.3, phi: 0.2 },
    outer: { pt: 0.1, et: 0.1, mut: 0.1, vt: 0.1, nt: 0.1, deltat: 0.1, rt: 0.1, phit: 0.1 },
  });
  expect(state.status).toBe(200);
  await harness.request("POST", "/api/memories", { text: "a private memory that must never leave" });
  const worker = await harness.worker.miniflare.getWorker();
  const result = await worker.scheduled({ cron: "17 3 * * *" });
  expect(result.outcome).toBe("ok");
  // The reports go out in ctx.waitUntil: wait for them to settle.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return [...sent];
}

// (0.9 + 0.8 + 1.2·0.7 + 1.2·0.66 + 0.5 + 0.4 + 0.3 + 0.2) / 8.4
const coherence = (0.9 + 0.8 + 1.2 * 0.7 + 1.2 * 0.66 + 0.5 + 0.4 + 0.3 + 0.2) / 8.4;

describe("scheduled: both opt-ins off", () => {
  const harness = useWorker({}, () => ({ outbound }));
  it("contacts nothing at all", async () => {
    expect(await runCron(harness)).toEqual([]);
  });
});

describe("scheduled: Yellow Pages listing on", () => {
  const harness = useWorker(listingVars, () => ({ outbound }));
  it("sends only the heartbeat, with the agent id and the public coherence", async () => {
    const requests = await runCron(harness);
    expect(requests.map((request) => `${request.host}${request.path}`)).toEqual([`${registryHost}/registry/heartbeat`]);
    expect(requests[0]!.authorization).toBe(`Bearer ${registryToken}`);
    expect(requests[0]!.body).toEqual({ agent_id: "test-agent", uv_public: { coherence } });
  });
});

describe("scheduled: listing on, coherence not shared", () => {
  const harness = useWorker({ ...listingVars, SHARE_COHERENCE: "false" }, () => ({ outbound }));
  it("sends the heartbeat with a null coherence", async () => {
    const requests = await runCron(harness);
    expect(requests.map((request) => request.body)).toEqual([
      { agent_id: "test-agent", uv_public: { coherence: null } },
    ]);
  });
});

describe("scheduled: telemetry on", () => {
  const harness = useWorker(telemetryVars, () => ({ outbound }));
  it("sends only the runtime version and the coherence rounded to 0.1, with no identifier", async () => {
    const requests = await runCron(harness);
    expect(requests.map((request) => `${request.host}${request.path}`)).toEqual([`${telemetryHost}/telemetry`]);
    expect(requests[0]!.authorization).toBeNull();
    expect(requests[0]!.body).toEqual({ runtime_version: "0.1.0", coherence: 0.6 });
  });
});

describe("scheduled: both on", () => {
  const harness = useWorker({ ...listingVars, ...telemetryVars }, () => ({ outbound }));
  it("sends the heartbeat and the telemetry, and nothing else", async () => {
    const requests = await runCron(harness);
    expect(requests.map((request) => `${request.host}${request.path}`).sort()).toEqual(
      [`${registryHost}/registry/heartbeat`, `${telemetryHost}/telemetry`].sort(),
    );
    for (const request of requests) {
      const text = JSON.stringify(request.body);
      expect(text).not.toContain("private memory");
      expect(text).not.toContain("test-agent-key");
      expect(Object.keys(request.body as object).sort()).toEqual(
        request.host === telemetryHost ? ["coherence", "runtime_version"] : ["agent_id", "uv_public"],
      );
    }
  });
});

describe("scheduled: the daily upkeep", () => {
  const harness = useWorker({ CONTACT_RETENTION_DAYS: "7" }, () => ({ outbound }));
  it("deletes inbox messages older than CONTACT_RETENTION_DAYS, keeps the rest, and sends nothing", async () => {
    const d1 = await harness.d1();
    for (const [id, age] of [
      ["eight-days", "-8 days"],
      ["six-days", "-6 days"],
      ["today", "-1 minutes"],
    ] as const) {
      await d1
        .prepare(
          "INSERT INTO contacts (id, from_agent, message, received_at) VALUES (?, 'peer', 'hi', datetime('now', ?))",
        )
        .bind(id, age)
        .run();
    }
    expect(await runCron(harness)).toEqual([]);
    const left = await d1.prepare("SELECT id FROM contacts ORDER BY id").all<{ id: string }>();
    expect(left.results.map((row) => row.id)).toEqual(["six-days", "today"]);
  });
});
