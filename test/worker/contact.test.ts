import { describe, expect, it } from "vitest";
import { useWorker, type HarnessResponse } from "../support/worker-harness";

const harness = useWorker();

let nextIp = 1;
/** A caller address no other test uses, so rate-limit windows never overlap between tests. */
const freshIp = () => `203.0.113.${nextIp++}`;

const send = (body: unknown, ip = freshIp()) =>
  harness.request("POST", "/api/contact", body, { auth: false, headers: { "cf-connecting-ip": ip } });

describe("POST /api/contact (public)", () => {
  it("stores a message without the agent key and answers 201 without echoing it", async () => {
    const response = await send({
      from_agent: "agent:peer-1",
      from_name: "Peer One",
      reply_to: "https://peer-one.example/api/contact",
      subject: "Collaboration",
      message: "Would you like to work together?",
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      status: "received",
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      received_at: expect.stringMatching(/Z$/),
    });

    const read = await harness.request("GET", `/api/contact/${response.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id: response.body.id,
      from_agent: "agent:peer-1",
      from_name: "Peer One",
      reply_to: "https://peer-one.example/api/contact",
      subject: "Collaboration",
      message: "Would you like to work together?",
      received_at: response.body.received_at,
    });
  });

  const invalid: [string, unknown, string][] = [
    ["a missing message", { from_agent: "peer" }, "message"],
    ["a missing sender", { message: "hi" }, "from_agent"],
    ["a message over 4,000 characters", { from_agent: "peer", message: "m".repeat(4_001) }, "message"],
    ["a non-http reply_to", { from_agent: "peer", message: "hi", reply_to: "javascript:alert(1)" }, "reply_to"],
    ["an unknown field", { from_agent: "peer", message: "hi", attachment: "x" }, "attachment"],
    ["a blank message", { from_agent: "peer", message: " \n " }, "message"],
  ];
  for (const [label, body, field] of invalid) {
    it(`refuses ${label} with a 400 naming ${field}`, async () => {
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe(field);
    });
  }

  it("refuses a body over 16 KiB with 413", async () => {
    const response = await send({ from_agent: "peer", message: "hi", subject: "s".repeat(20_000) });
    expect(response.status).toBe(413);
  });

  it("limits each caller to 5 messages per window, answering 429 with Retry-After", async () => {
    // The six requests must fall in one fixed window: start afresh when the current one ends within 5 s.
    const left = 600 - ((Date.now() / 1000) % 600);
    if (left < 5) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 100));
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await send({ from_agent: "chatty", message: `m${i}` }, ip)).status).toBe(201);
    const limited = await send({ from_agent: "chatty", message: "one too many" }, ip);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);

    expect((await send({ from_agent: "someone-else", message: "hi" })).status).toBe(201);

    const stored = await (
      await harness.d1()
    )
      .prepare("SELECT count(*) AS n FROM contacts WHERE from_agent = 'chatty'")
      .first("n");
    expect(stored).toBe(5);
  });

  it("does not spend a caller's allowance on requests it refuses as invalid", async () => {
    const ip = freshIp();
    for (let i = 0; i < 8; i++) expect((await send({ from_agent: "sloppy" }, ip)).status).toBe(400);
    expect((await send({ from_agent: "sloppy", message: "finally valid" }, ip)).status).toBe(201);
  });

  it("keeps only a hash of the caller's address", async () => {
    const ip = freshIp();
    await send({ from_agent: "hashed", message: "hi" }, ip);
    const callers = await (
      await harness.d1()
    )
      .prepare("SELECT caller FROM contact_rate_limits")
      .all<{ caller: string }>();
    expect(callers.results.length).toBeGreaterThan(0);
    for (const { caller } of callers.results) {
      expect(caller).toMatch(/^[0-9a-f]{64}$/);
      expect(caller).not.toContain(ip);
    }
  });
});

describe("the owner's inbox", () => {
  it("lists newest first with a cursor", async () => {
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await send({ from_agent: "lister", message: `page ${i}` })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: HarnessResponse = await harness.request(
        "GET",
        `/api/contact?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.contacts.map((c: { id: string }) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    const listed = seen.filter((id) => sent.includes(id));
    expect(listed).toEqual([...sent].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("deletes a message, then answers 404 for it", async () => {
    const id = (await send({ from_agent: "deletable", message: "delete me" })).body.id;
    expect((await harness.request("DELETE", `/api/contact/${id}`)).body).toEqual({ deleted: true, id });
    expect((await harness.request("GET", `/api/contact/${id}`)).status).toBe(404);
    expect((await harness.request("DELETE", `/api/contact/${id}`)).status).toBe(404);
  });

  it("refuses a bad cursor or limit with a 400 naming it", async () => {
    expect((await harness.request("GET", "/api/contact?cursor=%%%")).body.error?.field).toBe("cursor");
    expect((await harness.request("GET", "/api/contact?limit=-1")).body.error.field).toBe("limit");
  });
});
