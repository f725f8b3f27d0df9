/**
 * The one error type of the HTTP layer. Handlers and middleware throw it; `errorResponse` turns it
 * into JSON. `message` is shown to the caller, so it never carries stored user content or secrets.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** Stable, machine-readable, snake_case. */
    readonly code: string,
    message: string,
    /** The request field at fault (`text`, `inner.p`, `cursor`, `body`), when there is one. */
    readonly field?: string,
    /** Extra response headers (`WWW-Authenticate`, `Retry-After`). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (field: string, message: string, code = "invalid_request"): HttpError =>
  new HttpError(400, code, `${field}: ${message}`, field);

export const notFound = (what: string): HttpError => new HttpError(404, "not_found", `${what} not found`);
