import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../../cli/local-worker";
import { ContactLimitReached } from "../../../worker/contact/rate-limit";
import { toHttpError } from "../../../worker/http/error-mapper";
import { defaultTestVars, useWorker, type HarnessResponse } from "../../support/worker-harness";

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
    expect(limited.body).toEqual({
      error: { code: "rate_limited", message: "Too many messages from this caller; try again later." },
    });
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

  it("keeps only a hash of the caller's address (beside the inbox's own counter)", async () => {
    const ip = freshIp();
    await send({ from_agent: "hashed", message: "hi" }, ip);
    const callers = await (
      await harness.d1()
    )
      .prepare("SELECT caller FROM contact_rate_limits WHERE caller != 'inbox'")
      .all<{ caller: string }>();
    expect(callers.results.map((row) => row.caller)).toContain(createHash("sha256").update(ip).digest("hex"));
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

describe("POST /api/contact only takes JSON", () => {
  const declared: [string, string | undefined][] = [
    ["text/plain", "text/plain"],
    ["a form", "application/x-www-form-urlencoded"],
    ["a multipart form", "multipart/form-data; boundary=x"],
    ["no content type", undefined],
    ["JSON in another charset", "application/json; charset=iso-8859-1"],
  ];
  for (const [label, type] of declared) {
    it(`refuses ${label} with 415, storing nothing`, async () => {
      const from = `typed-${label.replace(/\W+/g, "-")}`;
      const body = JSON.stringify({ from_agent: from, message: "hello" });
      const headers: Record<string, string> = { "cf-connecting-ip": freshIp() };
      if (type !== undefined) headers["content-type"] = type;
      const response = await harness.worker.miniflare.dispatchFetch(
        "https://test-agent-worker.example.workers.dev/api/contact",
        {
          method: "POST",
          headers,
          body,
        },
      );
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({
        error: {
          code: "unsupported_media_type",
          message: "content-type: must be application/json",
          field: "content-type",
        },
      });
      const stored = await (
        await harness.d1()
      )
        .prepare("SELECT count(*) AS n FROM contacts WHERE from_agent = ?")
        .bind(from)
        .first("n");
      expect(stored).toBe(0);
    });
  }

  it("accepts application/json with a UTF-8 charset", async () => {
    const response = await send({ from_agent: "charset", message: "hi" }, freshIp());
    expect(response.status).toBe(201);
    const explicit = await harness.request(
      "POST",
      "/api/contact",
      JSON.stringify({ from_agent: "charset", message: "hi" }),
      {
        auth: false,
        headers: { "content-type": "Application/JSON; Charset=UTF-8", "cf-connecting-ip": freshIp() },
      },
    );
    expect(explicit.status).toBe(201);
  });

  it("refuses what a page on another site can post with a plain HTML form", async () => {
    // <form method="post" enctype="text/plain" action=".../api/contact">
    //   <input name='{"from_agent":"drive-by","message":"spam' value='"}'></form>
    // sends the field as `name=value`, which reads as JSON; a browser sends it without asking.
    const response = await harness.worker.miniflare.dispatchFetch(
      "https://test-agent-worker.example.workers.dev/api/contact",
      {
        method: "POST",
        headers: {
          "content-type": "text/plain",
          origin: "https://attacker.example",
          "sec-fetch-site": "cross-site",
          "sec-fetch-mode": "navigate",
          "cf-connecting-ip": freshIp(),
        },
        body: '{"from_agent":"drive-by","message":"spam="}\r\n',
      },
    );
    expect(response.status).toBe(415);
    const stored = await (
      await harness.d1()
    )
      .prepare("SELECT count(*) AS n FROM contacts WHERE from_agent = 'drive-by'")
      .first("n");
    expect(stored).toBe(0);
  });

  it("deletes messages past their retention when a new one arrives", async () => {
    const d1 = await harness.d1();
    await d1
      .prepare(
        "INSERT INTO contacts (id, from_agent, message, received_at) VALUES ('ancient', 'old-peer', 'old', datetime('now', '-31 days'))",
      )
      .run();
    await d1
      .prepare(
        "INSERT INTO contacts (id, from_agent, message, received_at) VALUES ('recent', 'old-peer', 'new', datetime('now', '-29 days'))",
      )
      .run();
    expect((await send({ from_agent: "trigger", message: "hi" })).status).toBe(201);
    const left = await d1
      .prepare("SELECT id FROM contacts WHERE from_agent = 'old-peer' ORDER BY id")
      .all<{ id: string }>();
    expect(left.results.map((row) => row.id)).toEqual(["recent"]);
  });
});

describe("the inbox under a flood", () => {
  const flood = useWorker({ CONTACT_CALLER_LIMIT: "3", CONTACT_HOURLY_CAP: "5" });
  const post = (ip: string, message: string) =>
    flood.request(
      "POST",
      "/api/contact",
      { from_agent: `peer-${ip}`, message },
      { auth: false, headers: { "cf-connecting-ip": ip } },
    );

  it("stops one caller at its limit without spending the others' room, then stops everyone at the hourly cap", async () => {
    // Every request must fall in one ten-minute window (and so one hour): start afresh when it ends within 10 s.
    const left = 600 - ((Date.now() / 1000) % 600);
    if (left < 10) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 100));
    const flooder = "192.0.2.1";
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post(flooder, `flood ${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, ...Array<number>(17).fill(429)]);
    const limited = await post(flooder, "still here");
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(600);

    // The flood spent only its own three: two more callers fill the cap of five ...
    expect((await post("192.0.2.2", "hello")).status).toBe(201);
    expect((await post("192.0.2.3", "hello")).status).toBe(201);
    // ... and then the inbox is full for everyone until the hour ends.
    const full = await post("192.0.2.4", "hello");
    expect(full.status).toBe(429);
    expect(full.body).toEqual({
      error: { code: "inbox_full", message: "The inbox takes no more messages this hour; try again later." },
    });
    const retryAfter = Number(full.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await (await flood.d1()).prepare("SELECT count(*) AS n FROM contacts").first("n")).toBe(5);
  });
});

describe("the inbox in a local run (npm start's listener)", () => {
  let local: LocalWorker;
  beforeAll(async () => {
    local = await startLocalWorker({
      vars: { ...defaultTestVars, CONTACT_CALLER_LIMIT: "2" },
      port: 0,
      host: "127.0.0.1",
    });
  });
  afterAll(async () => {
    await local?.close();
  });

  it("counts the socket's address, whatever CF-Connecting-IP the caller sends", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(new URL("/api/contact", local.url), {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `203.0.113.${100 + i}` },
        body: JSON.stringify({ from_agent: "spoofer", message: `attempt ${i}` }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([201, 201, 429, 429]);
    const callers = await (
      await local.miniflare.getD1Database("DB")
    )
      .prepare("SELECT DISTINCT caller FROM contact_rate_limits WHERE caller != 'inbox'")
      .all<{ caller: string }>();
    expect(callers.results.map((row) => row.caller)).toEqual([createHash("sha256").update("127.0.0.1").digest("hex")]);
  });
});

describe("ContactLimitReached (the inbox's own refusal, mapped by the http layer)", () => {
  it("becomes a 429 with its window's code and the seconds left as Retry-After", () => {
    expect(toHttpError(new ContactLimitReached("caller", 37))).toMatchObject({
      status: 429,
      code: "rate_limited",
      headers: { "retry-after": "37" },
    });
    expect(toHttpError(new ContactLimitReached("inbox", 1200))).toMatchObject({
      status: 429,
      code: "inbox_full",
      headers: { "retry-after": "1200" },
    });
  });
});
