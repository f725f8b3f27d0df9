/**
 * The worker's runtime API, as the app calls it. Every failure becomes one ApiError whose `kind`
 * says what the person can do about it: enter a key, fix the key, start the worker, or read the
 * worker's own message.
 */
export type FailureKind = "no_key" | "unauthorized" | "unreachable" | "http";

export class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status = 0,
    readonly code = kind as string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiOptions {
  /** The worker's origin (and path prefix, if any); "" for the page's own origin. */
  baseUrl: string;
  key(): string | undefined;
  /** Told about every failure, so the app can show the no-key, wrong-key and unreachable states. */
  onFailure?(error: ApiError): void;
  /** Told when a request succeeded (the worker is reachable and the key accepted). */
  onSuccess?(): void;
}

export class Api {
  readonly baseUrl: string;

  constructor(private readonly options: ApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  /** A JSON request; resolves with the parsed body of a 2xx answer. */
  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.send(method, path, body, signal);
    return (await response.json()) as T;
  }

  /**
   * Sends a request and resolves with the response when it is a 2xx. The chat stream reads the
   * body itself; everything else goes through `request`.
   */
  async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const key = this.options.key();
    if (!key) throw this.fail(new ApiError("no_key", "Enter the agent key to connect to your worker."));
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      // A browser reports a refused cross-origin request like a network failure, so name both causes.
      const crossOrigin = this.baseUrl !== "" && new URL(this.baseUrl, location.href).origin !== location.origin;
      const hint = crossOrigin
        ? ` Is it running, and does it allow this page's origin (${location.origin}, ALLOWED_ORIGINS)?`
        : " Is it running?";
      throw this.fail(new ApiError("unreachable", `Cannot reach the worker at ${this.describe()}.${hint}`));
    }
    if (response.ok) {
      this.options.onSuccess?.();
      return response;
    }
    throw this.fail(await errorFrom(response));
  }

  /** Where requests go, for messages. */
  describe(): string {
    return this.baseUrl || location.origin;
  }

  private fail(error: ApiError): ApiError {
    this.options.onFailure?.(error);
    return error;
  }
}

/** The worker's `{error: {code, message, field}}` body as an ApiError (a proxy's page as a plain one). */
async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = `The worker answered ${response.status} ${response.statusText}`.trim();
  let field: string | undefined;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
    if (typeof body.error?.field === "string") field = body.error.field;
  } catch {
    // Not JSON: keep the status line.
  }
  if (response.status === 401) {
    return new ApiError("unauthorized", "The worker refused this agent key.", 401, code, field);
  }
  return new ApiError("http", message, response.status, code, field);
}
