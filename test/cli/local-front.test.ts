import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalFront, type LocalFront } from "../../cli/local-front";

/**
 * npm start's listener in front of workerd, here in front of a plain Node server that records what
 * reaches it: the caller's address from the socket, streaming both ways, and a caller that leaves.
 */
const seen: http.IncomingHttpHeaders[] = [];
let upstreamClosed: () => void = () => {};
let upstream: http.Server;
let front: LocalFront;

beforeAll(async () => {
  upstream = http.createServer((request, response) => {
    seen.push(request.headers);
    if (request.url === "/stream") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("event: token\ndata: 1\n\n");
      const timer = setInterval(() => response.write(": keep-alive\n\n"), 100);
      request.socket.once("close", () => {
        clearInterval(timer);
        upstreamClosed();
      });
      return;
    }
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      response.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
      response.end(JSON.stringify({ echoed: body }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve()));
  const port = (upstream.address() as AddressInfo).port;
  front = await startLocalFront(new URL(`http://127.0.0.1:${port}/`), "127.0.0.1", 0);
});
afterAll(async () => {
  await front?.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe("the local listener (cli/local-front.ts)", () => {
  it("sets CF-Connecting-IP from the socket, replacing the caller's, and drops miniflare's own headers", async () => {
    const response = await fetch(new URL("/api/contact", front.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "cf-connecting-ip": "203.0.113.9",
        "mf-cf-blob": '{"clientIp":"203.0.113.9"}',
        "mf-original-url": "https://elsewhere.example/",
      },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-upstream")).toBe("yes");
    expect(await response.json()).toEqual({ echoed: '{"hello":"world"}' });
    const headers = seen.at(-1)!;
    expect(headers["cf-connecting-ip"]).toBe("127.0.0.1");
    expect(headers["mf-cf-blob"]).toBeUndefined();
    expect(headers["mf-original-url"]).toBeUndefined();
    expect(headers.host).toBe(front.url.host);
  });

  it("passes a stream through as it comes, and closes the upstream request when the caller leaves", async () => {
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const controller = new AbortController();
    const response = await fetch(new URL("/stream", front.url), { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: token");
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the upstream request stayed open")), 5_000)),
    ]);
  });
});
