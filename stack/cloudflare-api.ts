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

/** Reads "<status> <action> <resource>: <cause>", the API's own messages as the cause. */
export class CloudflareApiError extends Error {
  constructor(
    readonly status: number,
    action: string,
    resource: string,
    cause: string,
    readonly codes: number[] = [],
  ) {
    super(`${status} ${action} ${resource}: ${cause}`);
    // A dynamic provider's serialized code turns `super(...)` into `Error.call(this, ...)`, which sets
    // nothing on `this`: without this line its errors would reach the engine with no message.
    this.message = `${status} ${action} ${resource}: ${cause}`;
    this.name = "CloudflareApiError";
  }
}

export interface ApiCall {
  /** The API token, or for Pages asset uploads the upload JWT. */
  token: string;
  method: string;
  path: string;
  /** What the call does and to what, for error messages: e.g. ["get", "workers.dev subdomain"]. */
  action: string;
  resource: string;
  /** JSON, or a FormData sent as multipart. */
  body?: unknown;
  base?: string;
}

/** One v4 request; throws CloudflareApiError on an HTTP error or `success: false`. */
export async function cloudflareRequest<T>(call: ApiCall): Promise<T> {
  const multipart = call.body instanceof FormData;
  const response = await fetch(`${call.base ?? cloudflareApiBase()}${call.path}`, {
    method: call.method,
    headers: {
      authorization: `Bearer ${call.token}`,
      ...(call.body === undefined || multipart ? {} : { "content-type": "application/json" }),
    },
    body: call.body === undefined ? undefined : multipart ? (call.body as FormData) : JSON.stringify(call.body),
  });
  const text = await response.text();
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
    throw new CloudflareApiError(response.status, call.action, call.resource, cause, errors.map((e) => e.code));
  }
  return envelope.result;
}

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
