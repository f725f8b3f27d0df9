import type { AppRequest } from "./types";

/**
 * Headers on every response of the worker: nothing it sends is to be sniffed into another type
 * (a JSON string read as HTML), cached (every answer is private or live), framed or given a
 * referrer. The chat app's own files carry theirs from the `_headers` file of its build.
 */
const headers = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
} as const;

export function securityHeaders() {
  return function addSecurityHeaders(response: Response, request: AppRequest): Response {
    const result = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) result.headers.set(name, value);
    if (typeof request.requestId === "string") result.headers.set("x-request-id", request.requestId);
    return result;
  };
}
