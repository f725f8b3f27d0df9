import { describe, expect, it } from "vitest";
import { useWorker } from "../../support/worker-harness";

/**
 * Many requests at once against one worker (workerd, SQLite D1): every write that was acknowledged
 * must be found afterwards. Bounded: each case sends at most 60 requests.
 */
const harness = useWorker({ CONTACT_CALLER_LIMIT: "100", CONTACT_HOURLY_CAP: "12" });

const inner = ["p", "e", "mu", "v", "n", "delta", "r", "phi"] as const;
const outer = ["pt", "et", "mut", "vt", "nt", "deltat", "rt", "phit"] as const;
const dimensions = [...inner.map((name) => ["inner", name] as const), ...outer.map((name) => ["outer", name] as const)];
type Uv = { inner: Record<string, number>; outer: Record<string, number> };

const zeros = (): Uv => ({
  inner: Object.fromEntries(inner.map((name) => [name, 0])),
  outer: Object.fromEntries(outer.map((name) => [name, 0])),
});

function withValue(uv: Uv, octave: "inner" | "outer", name: string, value: number): Uv {
  return { ...uv, [octave]: { ...uv[octave], [name]: value } };
}

describe("concurrent state changes", () => {
  it("keeps all 16 dimensions when each is changed by its own request at the same moment", async () => {
    expect((await harness.request("PUT", "/api/state", zeros())).status).toBe(200);
    // Half through the runtime API, half through the SOS prototype's route: both merge the same way.
    const responses = await Promise.all(
      dimensions.map(([octave, name], index) =>
        index % 2 === 0
          ? harness.request("PATCH", "/api/state", { [octave]: { [name]: (index + 1) / 100 } })
          : harness.request("POST", "/agent/update", { [name]: (index + 1) / 100 }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(dimensions.map(() => 200));
    let expected = zeros();
    dimensions.forEach(([octave, name], index) => (expected = withValue(expected, octave, name, (index + 1) / 100)));
    expect((await harness.request("GET", "/api/state")).body.uv_16d).toEqual(expected);
  });

  it("applies 50 simultaneous patches in one order that explains every acknowledged answer", async () => {
    expect((await harness.request("PUT", "/api/state", zeros())).status).toBe(200);
    // Patch i sets one dimension (16 of them, in turn) to a value no other patch writes.
    const writes = Array.from({ length: 50 }, (_, i) => {
      const [octave, name] = dimensions[i % dimensions.length]!;
      return { octave, name, value: (i + 1) / 1000 };
    });
    const responses = await Promise.all(
      writes.map((write) => harness.request("PATCH", "/api/state", { [write.octave]: { [write.name]: write.value } })),
    );
    expect(responses.map((response) => response.status)).toEqual(writes.map(() => 200));

    // Each answer is the state just after its own patch. With atomic patches there is an order in
    // which every answer is the one before it plus that patch, ending at the stored state; a lost
    // update leaves some answer that no order explains. Two patches of one dimension in a row fit in
    // either order until a later answer or the stored state tells them apart, so the search backtracks.
    const final = (await harness.request("GET", "/api/state")).body.uv_16d as Uv;
    const explain = (state: Uv, pending: number[]): number[] | undefined => {
      if (pending.length === 0) return JSON.stringify(state) === JSON.stringify(final) ? [] : undefined;
      for (const i of pending) {
        const { octave, name, value } = writes[i]!;
        const answer = responses[i]!.body.uv_16d as Uv;
        const fits = JSON.stringify(answer) === JSON.stringify(withValue(state, octave, name, value));
        const others = pending.filter((other) => other !== i);
        const rest = fits ? explain(answer, others) : undefined;
        if (rest) return [i, ...rest];
      }
      return undefined;
    };
    const order = explain(zeros(), [...writes.keys()]);
    expect(order, "no order of the acknowledged patches explains every answer and the stored state").toBeDefined();
    // The last patch of each dimension in that order is what is stored.
    for (const [octave, name] of dimensions) {
      const last = order!.filter((i) => writes[i]!.octave === octave && writes[i]!.name === name).at(-1)!;
      expect(final[octave][name], `${octave}.${name}`).toBe(writes[last]!.value);
    }
  });
});

describe("concurrent messages to the public inbox", () => {
  it("takes exactly the hourly cap from 30 callers writing at once, and stores only those", async () => {
    const d1 = await harness.d1();
    await d1.prepare("DELETE FROM contacts").run();
    await d1.prepare("DELETE FROM contact_rate_limits").run();
    // The 30 requests must fall in one clock hour: wait for the next one when this one ends within 5 s.
    const left = 3600 - ((Date.now() / 1000) % 3600);
    if (left < 5) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 100));
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        harness.request(
          "POST",
          "/api/contact",
          { from_agent: `peer-${i}`, message: `hello ${i}` },
          { auth: false, headers: { "cf-connecting-ip": `198.51.100.${i + 1}` } },
        ),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(12);
    expect(statuses.filter((status) => status === 429)).toHaveLength(18);
    for (const response of responses.filter((r) => r.status === 429)) {
      expect(response.body.error.code).toBe("inbox_full");
    }
    expect(await d1.prepare("SELECT count(*) AS n FROM contacts").first("n")).toBe(12);
  });
});
