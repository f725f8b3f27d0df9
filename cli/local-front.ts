import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The listener of a local run, in front of workerd. Deployed, Cloudflare's edge sets
 * CF-Connecting-IP to the caller's address, replacing whatever the caller sent; workerd locally keeps
 * a header the caller sent. Here the header is set from the socket, so the worker (the inbox's rate
 * limit) sees the real caller in both places. Headers meant for miniflare itself (`MF-*`: a `cf`
 * object, an original URL, a route override) are dropped: a local caller may not set them either.
 */
export interface LocalFront {
  url: URL;
  close(): Promise<void>;
}

export async function startLocalFront(upstream: URL, host: string, port: number): Promise<LocalFront> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name === "cf-connecting-ip" || name.startsWith("mf-") || value === undefined) continue;
      headers[name] = value;
    }
    headers["cf-connecting-ip"] = callerAddress(request.socket.remoteAddress);
    const forwarded = http.request(
      { agent, host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    forwarded.on("error", () => {
      if (response.headersSent) response.destroy();
      else response.writeHead(502, { "content-type": "text/plain" }).end("the local worker is not answering\n");
    });
    // A caller that leaves closes the request to workerd too, which the worker sees as a disconnect.
    response.on("close", () => {
      if (!response.writableFinished) forwarded.destroy();
    });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: new URL(`http://${shownHost}:${address.port}/`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `::ffff:127.0.0.1` (an IPv4 caller on a dual-stack socket) as `127.0.0.1`. */
function callerAddress(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
}
