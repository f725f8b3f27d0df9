import type { ExportedHandler } from "@cloudflare/workers-types/index";
import type { Env } from "./env";
import { runtimeVersion } from "./version";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/health" && request.method === "GET") {
      return json({ status: "ok", agent_id: env.AGENT_ID, version: runtimeVersion });
    }
    return json({ error: { code: "not_found", message: `No route for ${request.method} ${url.pathname}` } }, 404);
  },
} satisfies ExportedHandler<Env>;
