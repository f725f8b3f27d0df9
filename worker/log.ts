/** Where a log line comes from: the route pattern (never the path, which can hold ids), the method, the request. */
export interface LogContext {
  route: string | null;
  method: string | null;
  requestId: string | null;
}

/** The context of a scheduled (cron) run, which has no request. */
export const scheduledContext: LogContext = { route: "scheduled", method: null, requestId: null };

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
