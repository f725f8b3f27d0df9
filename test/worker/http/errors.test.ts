import { afterEach, describe, expect, it, vi } from "vitest";
import { deployedBase, testAgentKey, testPagesOrigin, useWorker } from "../../support/worker-harness";

/**
 * One error path: routes and event streams map errors the same way (worker/http/error-mapper.ts),
 * and every failure is logged as one line of one shape (worker/log.ts).
 */

/** A Workers AI stand-in whose stream sends one token, waits 1.5 s, then ends. */
const slowModel = `
export default function () {
  return {
    async run(model, inputs) {
      if (!inputs.stream) return { response: "ok", usage: { prompt_tokens: 1, completion_tokens: 1 } };
      const encoder = new TextEncoder();
      return new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode('data: {"response":"partial answer"}\\n\\n'));
          await new Promise((resolve) => setTimeout(resolve, 1500));
          controller.enqueue(encoder.encode("data: [DONE]\\n\\n"));
          controller.close();
        },
      });
    },
  };
}`;

const harness = useWorker({ EMBEDDING_PROVIDER: "hash" }, () => ({ workersAiStandIn: { script: slowModel } }));

/** Everything the worker logs while `action` runs, one entry per JSON line. */
async function logsDuring(action: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const originals = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return () => (stream.write = write);
  });
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(" ")));
  }
  try {
    await action();
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    originals.forEach((undo) => undo());
  }
  return written
    .join("\n")
    .split("\n")
    .filter((line) => line.includes('"level":"error"'))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe("an unexpected error inside an event stream", () => {
  it("ends the stream with an error event and logs it like a route's error", async () => {
    const secretWords = "the secret of the lighthouse";
    let events = "";
    let requestId: string | null = null;
    const logs = await logsDuring(async () => {
      const response = await harness.worker.miniflare.dispatchFetch(`${deployedBase}/api/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${testAgentKey}`, "content-type": "application/json" },
        body: JSON.stringify({ message: secretWords, session_id: "broken-session", stream: true }),
      });
      expect(response.status).toBe(200);
      requestId = response.headers.get("x-request-id");
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      // The first token may come in its own chunk after `start`: read until one has arrived.
      while (!events.includes("event: token")) {
        const { done, value } = await reader.read();
        if (done) break;
        events += decoder.decode(value, { stream: true });
      }
      expect(events).toContain("event: token");
      // While the model is still writing, the conversation's messages table goes away: saving the
      // answer after the last token fails with an error no route expects (D1's own, naming no content).
      // exec, not prepare: miniflare's proxy answers a synchronous call (prepare) through a worker
      // thread that can lose the answer on a loaded machine, and then every later one.
      const d1 = await harness.d1();
      await d1.exec("ALTER TABLE conversation_messages RENAME TO conversation_messages_away");
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          events += decoder.decode(value, { stream: true });
        }
      } finally {
        await d1.exec("ALTER TABLE conversation_messages_away RENAME TO conversation_messages");
      }
    });
    const last = events.trim().split("\n\n").at(-1)!;
    expect(last.split("\n")[0]).toBe("event: error");
    expect(JSON.parse(last.split("\n")[1]!.slice("data: ".length))).toEqual({
      code: "internal_error",
      message: "The request failed inside the worker.",
      session_id: "broken-session",
      message_id: expect.any(String),
      user_message_id: expect.any(String),
      partial: false,
    });
    expect(logs).toContainEqual({
      level: "error",
      event: "request_failed",
      status: 500,
      error: "Error",
      route: "/api/chat",
      method: "POST",
      request_id: requestId,
    });
    expect(JSON.stringify(logs)).not.toContain("lighthouse");
  });
});

describe("the other error paths", () => {
  it("refuses a preflight from a foreign origin through the same mapper and envelope", async () => {
    const response = await harness.request("OPTIONS", "/api/memories", undefined, {
      auth: false,
      headers: { origin: "https://attacker.example", "access-control-request-method": "POST" },
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: { code: "origin_not_allowed", message: "This origin may not call the API." },
    });
    expect(response.headers.get("vary")).toContain("Origin");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await harness.request("OPTIONS", "/api/memories", undefined, {
      auth: false,
      headers: { origin: testPagesOrigin, "access-control-request-method": "POST" },
    });
    expect(allowed.status).toBe(204);
  });

  it("logs why the health check found D1 unavailable (the class only), and still answers", async () => {
    const d1 = await harness.d1();
    await d1.exec("ALTER TABLE d1_migrations RENAME TO d1_migrations_away");
    try {
      let status = 0;
      const logs = await logsDuring(async () => {
        status = (await harness.request("GET", "/api/health", undefined, { auth: false })).status;
      });
      expect(status).toBe(503);
      expect(logs).toContainEqual(
        expect.objectContaining({
          event: "health_database_unavailable",
          status: 503,
          route: "/api/health",
          method: "GET",
        }),
      );
    } finally {
      await d1.exec("ALTER TABLE d1_migrations_away RENAME TO d1_migrations");
    }
  });

  it("sends every answer, errors included, with nosniff, no-store and its request id", async () => {
    for (const [method, path, auth] of [
      ["GET", "/api/health", false],
      ["GET", "/api/export", true],
      ["GET", "/api/state", false],
      ["GET", "/nowhere", true],
    ] as const) {
      const response = await harness.request(method, path, undefined, { auth });
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("cache-control"), path).toBe("no-store");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
    const ray = await harness.request("GET", "/api/health", undefined, {
      auth: false,
      headers: { "cf-ray": "8a1b2c3d4e5f6a7b-AMS" },
    });
    expect(ray.headers.get("x-request-id")).toBe("8a1b2c3d4e5f6a7b-AMS");
  });
});
