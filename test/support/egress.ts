import { Response as MiniflareResponse, type Request as MiniflareRequest } from "miniflare";
import type { FakeVendors } from "./fake-vendors";

/** The real vendor hosts, and which fake answers for each. */
export const vendorHosts = {
  "api.openai.com": "openai",
  "api.anthropic.com": "anthropic",
  "generativelanguage.googleapis.com": "gemini",
  "api.groq.com": "groq",
} as const;

export interface Egress {
  /** miniflare's outboundService: every request the worker makes comes here. */
  outbound(request: MiniflareRequest): Promise<MiniflareResponse>;
  /** Each outbound request: host, path and the credential headers it carried. */
  log: { host: string; path: string; authorization: string | null; apiKeyHeader: string | null }[];
  /** The distinct hosts contacted so far. */
  hosts(): string[];
  reset(): void;
}

/**
 * Captures the worker's egress: a request to a known vendor host is answered by that vendor's fake
 * server (so the SDKs talk to their own real hosts); any other host is refused and recorded, so a test
 * can assert exactly which hosts the worker contacted.
 */
export function captureEgress(vendors: FakeVendors): Egress {
  const log: Egress["log"] = [];
  return {
    log,
    hosts: () => [...new Set(log.map((entry) => entry.host))],
    reset: () => void log.splice(0),
    async outbound(request) {
      const url = new URL(request.url);
      // The Workers AI stand-in is a binding, not egress: its calls to its fake pass through unrecorded.
      if (url.origin === new URL(vendors["workers-ai"].baseURL).origin) return forward(request, url);
      log.push({
        host: url.host,
        path: url.pathname,
        authorization: request.headers.get("authorization"),
        apiKeyHeader: request.headers.get("x-api-key") ?? request.headers.get("x-goog-api-key"),
      });
      const vendor = vendorHosts[url.host as keyof typeof vendorHosts];
      if (!vendor) return new MiniflareResponse(`egress to ${url.host} is not allowed in tests`, { status: 599 });
      return forward(request, new URL(url.pathname + url.search, vendors[vendor].baseURL.replace(/\/v1$/, "")));
    },
  };
}

/** Sends the worker's request on to `target` and streams the answer back. */
async function forward(request: MiniflareRequest, target: URL): Promise<MiniflareResponse> {
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  const controller = new AbortController();
  const upstream = await fetch(target, {
    method: request.method,
    headers: [...request.headers].filter(([name]) => name !== "host"),
    body,
    signal: controller.signal,
  });
  // workerd does not pass an aborted call on to this Node-side hop; tests of aborts let the worker
  // reach the fake directly (see test/worker/chat/abort.test.ts).
  const reader = upstream.body?.getReader();
  const stream = reader
    ? new ReadableStream<Uint8Array>({
        async pull(streamController) {
          const { value, done } = await reader.read();
          if (done) streamController.close();
          else streamController.enqueue(value);
        },
        cancel() {
          controller.abort();
        },
      })
    : null;
  return new MiniflareResponse(stream as never, { status: upstream.status, headers: [...upstream.headers] });
}
