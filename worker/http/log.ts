import type { AppRequest } from "./types";

/** Where a log line comes from: the route pattern (never the path, which can hold ids), the method, the request. */
export interface LogContext {
  route: string | null;
  method: string | null;
  requestId: string | null;
}

/** The context of a scheduled (cron) run, which has no request. */
export const scheduledContext: LogContext = { route: "scheduled", method: null, requestId: null };

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

export function logContext(request: AppRequest): LogContext {
  return {
    route: typeof request.route === "string" ? request.route : null,
    method: request.method,
    requestId: typeof request.requestId === "string" ? request.requestId : null,
  };
}

/**
 * The worker's one log-line shape: the event, the HTTP status when there is one, the error's class
 * (never its message: driver errors can quote SQL input, provider errors request text), and where it
 * happened. Nothing else: no request or response content, no key.
 */
export function logFailure(event: string, error: unknown, context: LogContext, status: number | null = null): void {
  console.error(
    JSON.stringify({
      level: "error",
      event,
      status,
      error: errorClass(error),
      route: context.route,
      method: context.method,
      request_id: context.requestId,
    }),
  );
}

/** The class of the error at the bottom of a `cause` chain (an HttpError wrapping a TypeError is a TypeError). */
function errorClass(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 8 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  if (current instanceof Error) return current.name;
  if (typeof current === "string") return current;
  return typeof current;
}
