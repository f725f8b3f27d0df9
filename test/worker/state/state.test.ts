import { describe, expect, it } from "vitest";
import { testAgentId, useWorker } from "../../support/worker-harness";

const harness = useWorker();

const inner = { p: 0.9, e: 0.8, mu: 0.7, v: 0.6, n: 0.5, delta: 0.4, r: 0.3, phi: 0.2 };
const outer = { pt: 0.1, et: 0.2, mut: 0.3, vt: 0.4, nt: 0.5, deltat: 0.6, rt: 0.7, phit: 0.8 };

/** The reference formula, written out independently of the worker's code. */
function expectedMetrics(i: typeof inner, o: typeof outer) {
  const values = [...Object.values(i), ...Object.values(o)];
  return {
    coherence: (i.p + i.e + 1.2 * i.mu + 1.2 * i.v + i.n + i.delta + i.r + i.phi) / 8.4,
    inner_mean: Object.values(i).reduce((a, b) => a + b) / 8,
    outer_mean: Object.values(o).reduce((a, b) => a + b) / 8,
    witness_magnitude: Math.hypot(...values),
  };
}

describe("GET /api/state", () => {
  it("gives 0.5 everywhere before anything is stored", async () => {
    const response = await harness.request("GET", "/api/state");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      agent: testAgentId,
      uv_16d: {
        inner: { p: 0.5, e: 0.5, mu: 0.5, v: 0.5, n: 0.5, delta: 0.5, r: 0.5, phi: 0.5 },
        outer: { pt: 0.5, et: 0.5, mut: 0.5, vt: 0.5, nt: 0.5, deltat: 0.5, rt: 0.5, phit: 0.5 },
      },
      coherence: 0.5,
      inner_mean: 0.5,
      outer_mean: 0.5,
      witness_magnitude: 2,
      last_sync: null,
    });
  });
});

describe("PUT and PATCH /api/state", () => {
  it("replaces all 16 dimensions and reports the reference metrics and last_sync", async () => {
    const started = Date.now();
    const response = await harness.request("PUT", "/api/state", { inner, outer });
    expect(response.status).toBe(200);
    const expected = expectedMetrics(inner, outer);
    expect(response.body.uv_16d).toEqual({ inner, outer });
    for (const [key, value] of Object.entries(expected)) expect(response.body[key], key).toBeCloseTo(value, 12);
    expect(Date.parse(response.body.last_sync)).toBeGreaterThanOrEqual(started - 1000);

    const row = await (
      await harness.d1()
    )
      .prepare("SELECT * FROM agent_state WHERE agent = ?")
      .bind(testAgentId)
      .first<Record<string, unknown>>();
    expect(JSON.parse(row!.uv_16d as string)).toEqual({ inner, outer });
    expect(row!.coherence).toBeCloseTo(expected.coherence, 12);

    expect((await harness.request("GET", "/api/state")).body).toEqual(response.body);
  });

  it("patches only the given dimensions and recomputes coherence", async () => {
    await harness.request("PUT", "/api/state", { inner, outer });
    const response = await harness.request("PATCH", "/api/state", { inner: { mu: 1 }, outer: { phit: 0 } });
    expect(response.status).toBe(200);
    const nextInner = { ...inner, mu: 1 };
    const nextOuter = { ...outer, phit: 0 };
    expect(response.body.uv_16d).toEqual({ inner: nextInner, outer: nextOuter });
    expect(response.body.coherence).toBeCloseTo(expectedMetrics(nextInner, nextOuter).coherence, 12);
  });

  it("accepts the bounds 0 and 1", async () => {
    const zeros = Object.fromEntries(Object.keys(inner).map((k) => [k, 0]));
    const ones = Object.fromEntries(Object.keys(outer).map((k) => [k, 1]));
    const response = await harness.request("PUT", "/api/state", { inner: zeros, outer: ones });
    expect(response.status).toBe(200);
    expect(response.body.coherence).toBe(0);
    expect(response.body.witness_magnitude).toBeCloseTo(Math.sqrt(8), 12);
  });

  const { phi: _phi, ...innerWithoutPhi } = inner;
  const invalid: [string, string, unknown, string][] = [
    ["a missing dimension", "PUT", { inner: innerWithoutPhi, outer }, "inner.phi"],
    ["a missing octave", "PUT", { inner }, "outer"],
    ["a value above 1", "PUT", { inner: { ...inner, p: 1.2 }, outer }, "inner.p"],
    ["a negative value", "PATCH", { outer: { rt: -0.1 } }, "outer.rt"],
    ["a number as a string", "PATCH", { inner: { e: "0.5" } }, "inner.e"],
    ["an unknown dimension", "PATCH", { inner: { x: 0.5 } }, "inner.x"],
    ["an outer dimension in the inner octave", "PATCH", { inner: { pt: 0.5 } }, "inner.pt"],
    ["an unknown top-level key", "PATCH", { p: 0.5 }, "p"],
    ["an empty patch", "PATCH", {}, "body"],
    ["an empty octave", "PATCH", { inner: {} }, "body"],
  ];
  for (const [label, method, body, field] of invalid) {
    it(`${method} refuses ${label} with a 400 naming ${field}, storing nothing`, async () => {
      await harness.request("PUT", "/api/state", { inner, outer });
      const response = await harness.request(method, "/api/state", body);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe(field);
      expect((await harness.request("GET", "/api/state")).body.uv_16d).toEqual({ inner, outer });
    });
  }

  it("reads a corrupt stored state as defaults instead of failing", async () => {
    await (
      await harness.d1()
    )
      .prepare("UPDATE agent_state SET uv_16d = 'not json' WHERE agent = ?")
      .bind(testAgentId)
      .run();
    const response = await harness.request("GET", "/api/state");
    expect(response.status).toBe(200);
    expect(response.body.coherence).toBe(0.5);
    const patched = await harness.request("PATCH", "/api/state", { inner: { p: 1 } });
    expect(patched.body.uv_16d.inner.p).toBe(1);
    expect(patched.body.uv_16d.inner.e).toBe(0.5);
  });
});
