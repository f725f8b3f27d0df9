import type { KVNamespace, KVNamespacePutOptions } from "@cloudflare/workers-types/index";
import { describe, expect, it } from "vitest";
import { toHttpError } from "../../../worker/http/error-mapper";
import { InvalidSessionInput, UnknownSessionCursor } from "../../../worker/sessions/session-errors";
import {
  appendToSession,
  listSessions,
  sessionLimits,
  sessionTtlSeconds,
} from "../../../worker/sessions/session-store";
import { useWorker } from "../../support/worker-harness";

const harness = useWorker({ SESSION_TTL_SECONDS: "3600" });

/** The worker's KV, with every put's options recorded. */
async function recordingKv() {
  const kv = await harness.kv();
  const puts: { key: string; options: KVNamespacePutOptions | undefined }[] = [];
  const recorded = {
    get: kv.get.bind(kv),
    list: kv.list.bind(kv),
    delete: kv.delete.bind(kv),
    put: (key: string, value: string, options?: KVNamespacePutOptions) => {
      puts.push({ key, options });
      return kv.put(key, value, options);
    },
  } as unknown as KVNamespace;
  return { env: { SESSION: recorded, SESSION_TTL_SECONDS: "3600" }, puts, kv };
}

describe("appendToSession (the chat's write path, against the worker's KV)", () => {
  it("sets expirationTtl = SESSION_TTL_SECONDS on every write", async () => {
    const { env, puts, kv } = await recordingKv();
    for (let i = 0; i < 5; i++)
      await appendToSession(env, "ttl-session", { role: i % 2 ? "assistant" : "user", content: `m${i}` });
    expect(puts).toHaveLength(5);
    for (const put of puts) expect(put.options?.expirationTtl).toBe(3600);

    const listed = await kv.list({ prefix: "session:ttl-session" });
    const expiration = listed.keys[0]!.expiration!;
    expect(Math.abs(expiration - (Date.now() / 1000 + 3600))).toBeLessThan(120);
  });

  it("keeps the newest 50 messages", async () => {
    const { env } = await recordingKv();
    for (let i = 0; i < 60; i++) await appendToSession(env, "long-session", { role: "user", content: `message ${i}` });
    const response = await harness.request("GET", "/api/sessions/long-session");
    expect(response.status).toBe(200);
    expect(response.body.messages).toHaveLength(sessionLimits.maxMessages);
    expect(response.body.messages[0].content).toBe("message 10");
    expect(response.body.messages.at(-1).content).toBe("message 59");
  });

  it("keeps the stored session within the byte cap, newest message first to stay", async () => {
    const { env, kv } = await recordingKv();
    for (let i = 0; i < 12; i++)
      await appendToSession(env, "wide-session", { role: "user", content: `${i} ${"é".repeat(7_000)}` });
    const stored = (await kv.get("session:wide-session"))!;
    expect(new TextEncoder().encode(stored).byteLength).toBeLessThanOrEqual(sessionLimits.maxBytes);
    const session = JSON.parse(stored);
    expect(session.messages.length).toBeGreaterThan(1);
    expect(session.messages.at(-1).content.startsWith("11 ")).toBe(true);
  });

  it("cuts one oversized message to the per-message cap and marks it", async () => {
    const { env } = await recordingKv();
    const session = await appendToSession(env, "big-message", { role: "assistant", content: "x".repeat(10_000) });
    expect(session.messages[0]!.content).toHaveLength(sessionLimits.maxMessageChars);
    expect(session.messages[0]!.truncated).toBe(true);
  });

  it("refuses a bad session id or message with its own error, a 400 naming the field, writing nothing", async () => {
    const { env, puts } = await recordingKv();
    const attempts: [string, { role: string; content?: string }, string, string][] = [
      ["has spaces", { role: "user", content: "x" }, "session_id", "must be a valid regex"],
      ["ok-id", { role: "robot", content: "x" }, "role", 'must be "user" or "assistant" or "system"'],
      ["ok-id", { role: "user", content: "" }, "content", "must be at least 1 characters"],
      ["ok-id", { role: "user" }, "content", "is required"],
    ];
    for (const [id, message, field, problem] of attempts) {
      const error = await appendToSession(env, id, message as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSessionInput);
      const mapped = toHttpError(error);
      expect(mapped).toMatchObject({ status: 400, code: "invalid_request", field, message: `${field}: ${problem}` });
    }
    expect(puts).toHaveLength(0);
  });
});

describe("listSessions when KV refuses the listing", () => {
  const refusing = { SESSION: { list: () => Promise.reject(new Error("KV refused")) } as unknown as KVNamespace };

  it("reads a refused cursor as the caller's mistake: its own error, a 400 naming cursor", async () => {
    const error = await listSessions(refusing, { limit: 5, cursor: "not-from-kv" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSessionCursor);
    expect(toHttpError(error)).toMatchObject({
      status: 400,
      code: "invalid_request",
      field: "cursor",
      message: "cursor: is not a cursor returned by this API",
    });
  });

  it("leaves a failure without a cursor to the generic 500", async () => {
    const error = await listSessions(refusing, { limit: 5 }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UnknownSessionCursor);
    expect(toHttpError(error)).toMatchObject({ status: 500, code: "internal_error" });
  });
});

describe("sessionTtlSeconds", () => {
  it("defaults to a day and never goes below KV's minimum of 60", () => {
    expect(sessionTtlSeconds({})).toBe(86_400);
    expect(sessionTtlSeconds({ SESSION_TTL_SECONDS: "" })).toBe(86_400);
    expect(sessionTtlSeconds({ SESSION_TTL_SECONDS: "soon" })).toBe(86_400);
    expect(sessionTtlSeconds({ SESSION_TTL_SECONDS: "-5" })).toBe(86_400);
    expect(sessionTtlSeconds({ SESSION_TTL_SECONDS: "30" })).toBe(60);
    expect(sessionTtlSeconds({ SESSION_TTL_SECONDS: "7200" })).toBe(7200);
  });
});

describe("the sessions routes", () => {
  it("lists sessions with their message count and expiry, paging with a cursor", async () => {
    const { env } = await recordingKv();
    for (const id of ["list-a", "list-b", "list-c"]) await appendToSession(env, id, { role: "user", content: "hi" });
    const first = await harness.request("GET", "/api/sessions?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.sessions).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const all = [...first.body.sessions];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await harness.request("GET", `/api/sessions?limit=2&cursor=${encodeURIComponent(cursor)}`);
      all.push(...page.body.sessions);
      cursor = page.body.next_cursor;
    }
    const listA = all.find((session) => session.id === "list-a");
    expect(listA).toMatchObject({ id: "list-a", message_count: 1 });
    expect(Date.parse(listA.expires_at) - Date.now()).toBeGreaterThan(3000 * 1000);
  });

  it("gets one session with its messages, or 404", async () => {
    const { env } = await recordingKv();
    await appendToSession(env, "get-me", { role: "user", content: "hello there" });
    const response = await harness.request("GET", "/api/sessions/get-me");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: "get-me", messages: [{ role: "user", content: "hello there" }] });
    const missing = await harness.request("GET", "/api/sessions/never-was");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "not_found", message: "session not found" } });
  });

  it("refuses a malformed session id or limit with a 400 naming it", async () => {
    const spaced = await harness.request("GET", "/api/sessions/has%20space");
    expect(spaced.status).toBe(400);
    expect(spaced.body.error.field).toBe("id");
    const limit = await harness.request("GET", "/api/sessions?limit=1000");
    expect(limit.status).toBe(400);
    expect(limit.body.error.field).toBe("limit");
  });

  it("deletes one session, then all of them", async () => {
    const { env, kv } = await recordingKv();
    await appendToSession(env, "delete-me", { role: "user", content: "bye" });
    const deleted = await harness.request("DELETE", "/api/sessions/delete-me");
    expect(deleted.body).toEqual({ deleted: true, id: "delete-me" });
    expect((await harness.request("GET", "/api/sessions/delete-me")).status).toBe(404);
    expect((await harness.request("DELETE", "/api/sessions/delete-me")).status).toBe(404);

    const remaining = (await kv.list({ prefix: "session:" })).keys.length;
    expect(remaining).toBeGreaterThan(0);
    const all = await harness.request("DELETE", "/api/sessions");
    expect(all.body).toEqual({ deleted: remaining });
    expect((await kv.list({ prefix: "session:" })).keys).toEqual([]);
  });
});
