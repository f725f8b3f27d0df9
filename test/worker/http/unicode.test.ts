import { describe, expect, it } from "vitest";
import { useWorker } from "../../support/worker-harness";

/**
 * Text that is not well-formed Unicode (a lone UTF-16 surrogate, bytes that are not UTF-8, a
 * malformed percent-encoding) is refused by name: stored, it would silently become U+FFFD, and two
 * different names would become one.
 */
const harness = useWorker();

describe("malformed Unicode", () => {
  it("is refused in a Mirror agent name, so two different names never collapse into one in /stats", async () => {
    for (const agent of ["twin\ud800", "twin\udc00"]) {
      const stored = await harness.request("POST", "/store", { agent, context_id: "c", text: "a twin's memory" });
      expect(stored.status).toBe(400);
      expect(stored.body).toEqual({
        detail: "agent: is not well-formed Unicode (a lone surrogate)",
        code: "invalid_request",
        field: "agent",
      });
    }
    expect(
      (await harness.request("POST", "/store", { agent: "twin\ud83d\ude42", context_id: "c", text: "fine" })).status,
    ).toBe(200);
    const stats = await harness.request("GET", "/stats");
    expect(Object.keys(stats.body.by_agent)).not.toContain("twin\ufffd");
    expect(stats.body.by_agent["twin\ud83d\ude42"]).toBe(1);
  });

  const fields: [string, string, unknown, string][] = [
    ["POST", "/api/memories", { text: "ok", core_concepts: ["fine", "bad\udfff"] }, "core_concepts.1"],
    ["POST", "/api/memories", { text: "\ud800" }, "text"],
    ["POST", "/api/memories/search", { query: "tea", agent: "a\udbff" }, "agent"],
    ["POST", "/memory/store", { text: "ok", vibe: "\udc00calm" }, "vibe"],
    ["POST", "/api/chat", { message: "hi \ud800" }, "message"],
    ["POST", "/api/import", { format: "sos-export/1", contacts: [{ id: "x\ud800" }] }, "contacts.0.id"],
  ];
  for (const [method, path, body, field] of fields) {
    it(`${method} ${path} refuses a lone surrogate in ${field} with a 400 naming it`, async () => {
      const response = await harness.request(method, path, body);
      expect(response.status).toBe(400);
      const named = response.body.error?.field ?? response.body.field;
      expect(named).toBe(field);
    });
  }

  it("refuses a body whose bytes are not UTF-8", async () => {
    const response = await harness.worker.miniflare.dispatchFetch("https://test.example/api/memories", {
      method: "POST",
      headers: { authorization: "Bearer test-agent-key-5f0c9a7e-4b1d", "content-type": "application/json" },
      body: new Uint8Array([...Buffer.from('{"text":"caf'), 0xe9, ...Buffer.from('"}')]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: "invalid_json", message: "body: is not valid UTF-8", field: "body" },
    });
  });

  it("refuses a query value whose percent-encoding is not UTF-8, naming it", async () => {
    const response = await harness.request("GET", "/api/memories?agent=a%ED%A0%80");
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe("agent");
  });

  it("keeps well-formed text as it was sent: NUL, emoji, combining marks, right-to-left", async () => {
    const text = "a\u0000b 🙂 e\u0301 \u202eabc";
    const created = await harness.request("POST", "/api/memories", { text });
    expect(created.status).toBe(201);
    expect((await harness.request("GET", `/api/memories/${created.body.id}`)).body.text).toBe(text);
  });
});
