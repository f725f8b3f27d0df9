import { reportError } from "./error-mapper";
import type { HttpError } from "./http-error";
import { json } from "./json";
import { logContext } from "./request-log";
import type { AppRequest } from "./types";

/**
 * The one place errors become responses (event streams send the same mapping as an `error` event).
 * Each API family keeps the error envelope its clients already parse: the runtime API
 * `{error: {code, message, field}}`, the SOS prototype `{success: false, error}`, and Mirror
 * (FastAPI) `{detail}`.
 */
export function errorResponse(error: unknown, request: AppRequest): Response {
  const known = reportError(error, logContext(request));
  const body = envelope(errorFamily(new URL(request.url).pathname), known);
  const headers = { ...known.headers };
  if (known.status === 401) headers["www-authenticate"] ??= 'Bearer realm="sos"';
  return json(body, known.status, headers);
}

type Family = "api" | "sos" | "mirror";

function errorFamily(pathname: string): Family {
  if (/^\/(health|chat|memory|agent)(\/|$)/.test(pathname)) return "sos";
  if (/^\/(store|search|stats|recent)(\/|$)/.test(pathname)) return "mirror";
  return "api";
}

function envelope(family: Family, error: HttpError): unknown {
  const field = error.field === undefined ? {} : { field: error.field };
  switch (family) {
    case "sos":
      return { success: false, error: error.message, code: error.code, ...field };
    case "mirror":
      return { detail: error.message, code: error.code, ...field };
    case "api":
      return { error: { code: error.code, message: error.message, ...field } };
  }
}
