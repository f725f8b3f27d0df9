/**
 * The one client of the Cloudflare v4 API: every call the stack makes (and the `sos` command's) goes
 * through `cloudflareRequest`, under one retry policy, and fails with one error type.
 */

/** Base of the Cloudflare v4 API; CLOUDFLARE_API_BASE_URL points it elsewhere (as wrangler allows). */
export function cloudflareApiBase(env: Record<string, string | undefined> = process.env): string {
  return (env.CLOUDFLARE_API_BASE_URL ?? "https://api.cloudflare.com/client/v4").replace(/\/+$/, "");
}

/** The v4 envelope every endpoint answers with. */
interface Envelope<T> {
  success: boolean;
  errors?: { code: number; message: string }[];
  result: T;
}

export interface CloudflareApiErrorDetails {
  /** How many times the call was tried before this error was given up on. @default 1 */
  attempts?: number;
  /** What the answer's Retry-After header asked for, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Reads "<status> <action> <resource>: <cause>", Cloudflare's own messages and codes as the cause;
 * status 0 is a call that got no answer (read "network error"), and a call tried more than once says so.
 */
export class CloudflareApiError extends Error {
  readonly attempts: number;
  readonly retryAfterMs?: number;

  constructor(
    readonly status: number,
    readonly action: string,
    readonly resource: string,
    cause: string,
    readonly codes: number[] = [],
    details: CloudflareApiErrorDetails = {},
  ) {
    const attempts = details.attempts ?? 1;
    const message =
      `${status === 0 ? "network error" : status} ${action} ${resource}: ${cause}` +
      (attempts > 1 ? ` (after ${attempts} attempts)` : "");
    super(message);
    // A dynamic provider's serialized code turns `super(...)` into `Error.call(this, ...)`, which sets
    // nothing on `this`: without this line its errors would reach the engine with no message.
    this.message = message;
    this.name = "CloudflareApiError";
    this.attempts = attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * When a failed call is tried again: rate limits (429, after its Retry-After), server errors (5xx) and
 * calls that got no answer, with exponential backoff, a bounded number of times.
 */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  /** The wait before the second try; each further wait doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After waited for; a 429 asking for longer is given up on at once. */
  maxRetryAfterMs: number;
  /** Cloudflare error codes retried besides those (10021 right after a D1 database is created). */
  retryCodes: number[];
  /** One try's limit; a try that outlives it counts as a call with no answer. */
  timeoutMs: number;
  sleep(ms: number): Promise<void>;
}

/** The policy of every call: 5 tries, 1 s, 2 s, 4 s, 8 s apart (or what Retry-After says, up to 60 s). */
export const retryPolicy: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  retryCodes: [],
  timeoutMs: 300_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A failure's verdict: wait this long and try again, or give up (undefined). */
export type RetryVerdict = (error: unknown, failures: number, policy: RetryPolicy) => number | undefined;

/** The wait before try `failures + 1`: Retry-After when the answer gave one, else exponential backoff. */
export function backoffDelay(failures: number, policy: RetryPolicy, retryAfterMs?: number): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : undefined;
  return Math.min(policy.baseDelayMs * 2 ** (failures - 1), policy.maxDelayMs);
}

/**
 * Runs `attempt` until it succeeds, `verdict` gives up, or the policy's tries are spent; the last
 * error is thrown as it is.
 */
export async function withRetries<T>(
  attempt: (tryNumber: number) => Promise<T>,
  verdict: RetryVerdict,
  overrides: Partial<RetryPolicy> = {},
): Promise<T> {
  const policy: RetryPolicy = { ...retryPolicy, ...overrides };
  for (let tryNumber = 1; ; tryNumber++) {
    try {
      return await attempt(tryNumber);
    } catch (error) {
      const wait = tryNumber < policy.attempts ? verdict(error, tryNumber, policy) : undefined;
      if (wait === undefined) throw error;
      await policy.sleep(wait);
    }
  }
}

/** Rate limits, server errors, no answer, and the policy's own codes are worth another try. */
export function isRetryable(error: unknown, policy: Pick<RetryPolicy, "retryCodes"> = retryPolicy): boolean {
  if (!(error instanceof CloudflareApiError)) return false;
  return (
    error.status === 429 ||
    error.status >= 500 ||
    error.status === 0 ||
    error.codes.some((code) => policy.retryCodes.includes(code))
  );
}

const cloudflareVerdict: RetryVerdict = (error, failures, policy) =>
  isRetryable(error, policy) ? backoffDelay(failures, policy, (error as CloudflareApiError).retryAfterMs) : undefined;

export interface ApiCall {
  /** The API token, or for Pages asset uploads the upload JWT. */
  token: string;
  method: string;
  path: string;
  /** What the call does and to what, for error messages: e.g. "get", "workers.dev subdomain of account 'x'". */
  action: string;
  resource: string;
  /** JSON, or a FormData sent as multipart. */
  body?: unknown;
  base?: string;
  /** Changes to the retry policy for this call (e.g. `{ retryCodes: [10021] }`, or `{ attempts: 1 }`). */
  retry?: Partial<RetryPolicy>;
}

/** One v4 request under the retry policy; throws CloudflareApiError once it gives up. */
export async function cloudflareRequest<T>(call: ApiCall): Promise<T> {
  const policy = { ...retryPolicy, ...call.retry };
  return withRetries((tryNumber) => requestOnce<T>(call, tryNumber, policy), cloudflareVerdict, call.retry);
}

async function requestOnce<T>(call: ApiCall, attempts: number, policy: RetryPolicy): Promise<T> {
  const multipart = call.body instanceof FormData;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${call.base ?? cloudflareApiBase()}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${call.token}`,
        ...(call.body === undefined || multipart ? {} : { "content-type": "application/json" }),
      },
      body: call.body === undefined ? undefined : multipart ? (call.body as FormData) : JSON.stringify(call.body),
      signal: AbortSignal.timeout(policy.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw new CloudflareApiError(0, call.action, call.resource, networkCause(error), [], { attempts });
  }
  let envelope: Envelope<T> | undefined;
  try {
    envelope = JSON.parse(text) as Envelope<T>;
  } catch {
    envelope = undefined;
  }
  if (!response.ok || !envelope?.success) {
    const errors = envelope?.errors ?? [];
    const cause = errors.length
      ? errors.map((error) => `${error.message} [code ${error.code}]`).join("; ")
      : text.slice(0, 200) || response.statusText;
    throw new CloudflareApiError(
      response.status,
      call.action,
      call.resource,
      cause,
      errors.map((error) => error.code),
      { attempts, retryAfterMs: retryAfterMs(response.headers.get("retry-after")) },
    );
  }
  return envelope.result;
}

/** fetch's "fetch failed" names nothing: its cause does (ECONNREFUSED, ENOTFOUND, a timeout). */
function networkCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return `no answer within the time limit (${error.message})`;
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}

/** Retry-After in seconds or as an HTTP date (RFC 9110), in milliseconds from now. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Cloudflare's code for an account that never registered a workers.dev subdomain (as wrangler checks it). */
export const noWorkersDevSubdomainCode = 10007;

/** The account's workers.dev subdomain: a worker is served at https://<script>.<subdomain>.workers.dev. */
export async function getWorkersDevSubdomain(token: string, accountId: string): Promise<string> {
  const result = await cloudflareRequest<{ subdomain: string }>({
    token,
    method: "GET",
    path: `/accounts/${accountId}/workers/subdomain`,
    action: "get",
    resource: `workers.dev subdomain of account '${accountId}'`,
  });
  return result.subdomain;
}

/**
 * Every item of a page-numbered list. cloudflareRequest hands back `result` without `result_info`, so
 * a page shorter than asked (or empty) is the last one.
 */
export async function cloudflareListAll<T>(call: Omit<ApiCall, "method">, perPage: number): Promise<T[]> {
  const items: T[] = [];
  const separator = call.path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const batch = await cloudflareRequest<T[]>({
      ...call,
      method: "GET",
      path: `${call.path}${separator}page=${page}&per_page=${perPage}`,
    });
    items.push(...batch);
    if (batch.length < perPage) return items;
  }
}
