import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A Yellow Pages registry and telemetry endpoint that record what they receive. */
export interface RecordedRegistryRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeRegistry {
  /** Base URL of the registry (`<url>/register`, `<url>/heartbeat`, `<url>/telemetry`). */
  url: string;
  requests: RecordedRegistryRequest[];
  /** Listings by agent id, with the management token each was issued. */
  listings: Map<string, { token: string; payload: unknown }>;
  /** The next call answers this status (and nothing is stored). */
  failNext(status: number): void;
  close(): Promise<void>;
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const requests: RecordedRegistryRequest[] = [];
  const listings = new Map<string, { token: string; payload: unknown }>();
  const failures: number[] = [];
  let issued = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body: unknown = text ? JSON.parse(text) : undefined;
      // The registry lives below /registry, as the default https://mumega.com/registry does.
      const path = new URL(request.url ?? "/", "http://registry").pathname.replace(/^\/registry(?=\/)/, "");
      requests.push({ method: request.method ?? "", path, headers: request.headers, body });
      const reply = (status: number, json?: unknown) => {
        response.writeHead(status, json === undefined ? {} : { "content-type": "application/json" });
        response.end(json === undefined ? undefined : JSON.stringify(json));
      };
      const failure = failures.shift();
      if (failure !== undefined) return reply(failure, { error: "scripted failure" });
      const bearer = request.headers.authorization?.replace(/^Bearer /, "");

      if (request.method === "POST" && path === "/register") {
        const agentId = (body as { agent_id?: string }).agent_id ?? "";
        const existing = listings.get(agentId);
        if (existing && existing.token !== bearer) return reply(403, { error: "listing belongs to another token" });
        const token = existing?.token ?? `registry-token-${++issued}`;
        listings.set(agentId, { token, payload: body });
        return reply(existing ? 200 : 201, { token });
      }
      const unregister = /^\/register\/(.+)$/.exec(path);
      if (request.method === "DELETE" && unregister) {
        const agentId = decodeURIComponent(unregister[1]!);
        const existing = listings.get(agentId);
        if (!existing) return reply(404, { error: "no such listing" });
        if (existing.token !== bearer) return reply(403, { error: "wrong token" });
        listings.delete(agentId);
        return reply(204);
      }
      if (request.method === "POST" && (path === "/heartbeat" || path === "/telemetry")) return reply(204);
      return reply(404, { error: `no route ${request.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/registry`,
    requests,
    listings,
    failNext: (status) => failures.push(status),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
