import type { LogContext } from "../log";
import type { AppRequest } from "./types";

/** A Ray ID as Cloudflare's edge sets it (16 hex digits, the data center): nothing else is taken from the caller. */
const rayId = /^[0-9a-f]{16}-[A-Z]{3}$/;

/**
 * The request's id: Cloudflare's `cf-ray` when deployed, a random one otherwise. Set on the request
 * before anything else runs and sent back as `x-request-id`, so a caller can quote it.
 */
export function assignRequestId(request: AppRequest): undefined {
  const ray = request.headers.get("cf-ray");
  request.requestId = ray !== null && rayId.test(ray) ? ray : crypto.randomUUID();
  return undefined;
}

/** Where a request's log lines come from (worker/log.ts): its route pattern, method and id. */
export function logContext(request: AppRequest): LogContext {
  return {
    route: typeof request.route === "string" ? request.route : null,
    method: request.method,
    requestId: typeof request.requestId === "string" ? request.requestId : null,
  };
}
