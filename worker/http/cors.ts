import type { Env } from "../env";
import { HttpError } from "./http-error";
import type { AppRequest } from "./types";

export interface CorsOptions {
  methods: readonly string[];
  headers: readonly string[];
  /** Seconds a browser may cache a preflight answer. */
  maxAge: number;
}

const defaults: CorsOptions = {
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  headers: ["authorization", "content-type"],
  maxAge: 600,
};

const localHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);
const localOrigin = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/**
 * Origins allowed to call from a browser: ALLOWED_ORIGINS (the Pages origin), plus any
 * http://localhost:* or http://127.0.0.1:* origin only when the worker itself is reached on a
 * local host (npm start), so a deployed worker never trusts a page on the visitor's machine.
 */
export function isAllowedOrigin(origin: string, request: Request, env: Env): boolean {
  const normalized = origin.replace(/\/+$/, "");
  const configured = (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((entry) => entry.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  if (configured.includes(normalized)) return true;
  return localHosts.has(new URL(request.url).hostname) && localOrigin.test(normalized);
}

/** Answers OPTIONS requests: 204 with the allowed methods for an allowed origin, a 403 HttpError otherwise. */
export function corsPreflight(options: Partial<CorsOptions> = {}) {
  const settings = { ...defaults, ...options };
  return function answerPreflight(request: AppRequest, env: Env): Response | undefined {
    if (request.method !== "OPTIONS") return undefined;
    const origin = request.headers.get("origin");
    if (origin === null) return new Response(null, { status: 204, headers: { allow: settings.methods.join(", ") } });
    if (!isAllowedOrigin(origin, request, env)) {
      throw new HttpError(403, "origin_not_allowed", "This origin may not call the API.", {
        headers: { vary: "Origin" },
      });
    }
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": settings.methods.join(", "),
        "access-control-allow-headers": settings.headers.join(", "),
        "access-control-max-age": String(settings.maxAge),
        vary: "Origin",
      },
    });
  };
}

/** Adds the allow-origin header to a response for an allowed origin; others get none. */
export function corsHeaders() {
  return function addCorsHeaders(response: Response, request: AppRequest, env: Env): Response {
    if (request.method === "OPTIONS") return response;
    const result = new Response(response.body, response);
    result.headers.append("vary", "Origin");
    const origin = request.headers.get("origin");
    if (origin !== null && isAllowedOrigin(origin, request, env)) {
      result.headers.set("access-control-allow-origin", origin);
    }
    return result;
  };
}
