/** What an HttpError may carry besides its status, code and message. */
export interface HttpErrorOptions {
  /** The request field at fault (`text`, `inner.p`, `cursor`, `body`), when there is one. */
  field?: string;
  /** Extra response headers (`WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>;
  /** What went wrong underneath; logged by class name only, never shown to the caller. */
  cause?: unknown;
}

/**
 * The one error type of the HTTP layer. Handlers and middleware throw it; `toHttpError` turns any
 * other error into one and `errorResponse` (or an event stream) into the answer. `message` is shown
 * to the caller, so it never carries stored user content or secrets.
 */
export class HttpError extends Error {
  readonly field?: string;
  readonly headers?: Record<string, string>;

  constructor(
    readonly status: number,
    /** Stable, machine-readable, snake_case. */
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    if (options.field !== undefined) this.field = options.field;
    if (options.headers !== undefined) this.headers = options.headers;
  }
}

export const badRequest = (field: string, message: string, code = "invalid_request", cause?: unknown): HttpError =>
  new HttpError(400, code, `${field}: ${message}`, { field, cause });

export const notFound = (what: string): HttpError => new HttpError(404, "not_found", `${what} not found`);
