import { createServer } from "node:net";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CloudflareApiError,
  cloudflareRequest,
  getWorkersDevSubdomain,
  retryAfterMs,
  retryPolicy,
  type ApiCall,
  type RetryPolicy,
} from "../../stack/cloudflare-api";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";

/**
 * The one retry policy every Cloudflare call goes through, against the emulator's injected faults. The
 * waits are recorded instead of slept, so each test states the exact backoff and takes no time.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "retry-test-token";
const emulator = useCloudflareEmulator({ token, accountId });
const subdomainPath = `/accounts/${accountId}/workers/subdomain`;

let waits: number[];
const recorded: Partial<RetryPolicy> = { sleep: async (ms) => void waits.push(ms) };

function getSubdomain(extra: Partial<ApiCall> = {}): Promise<{ subdomain: string }> {
  return cloudflareRequest<{ subdomain: string }>({
    token,
    method: "GET",
    path: subdomainPath,
    action: "get",
    resource: `workers.dev subdomain of account '${accountId}'`,
    ...extra,
    retry: { ...recorded, ...extra.retry },
  });
}

function faults(): (string | undefined)[] {
  return emulator().requests.map((request) => request.fault);
}

beforeEach(() => {
  waits = [];
  emulator().resetRequests();
});

describe("the retry policy", () => {
  it("waits what a 429's Retry-After asks, then succeeds", async () => {
    emulator().injectFault({
      path: subdomainPath,
      status: 429,
      retryAfter: "3",
      errors: [{ code: 971, message: "Please wait" }],
    });
    expect(await getSubdomain()).toEqual({ subdomain: "sos-test" });
    expect(waits).toEqual([3000]);
    expect(faults()).toEqual(["429", undefined]);
  });

  it("backs off exponentially on server errors and on calls with no answer", async () => {
    emulator().injectFault({ path: subdomainPath, status: 503, times: 2 });
    emulator().injectFault({ path: subdomainPath, network: true });
    expect(await getSubdomain()).toEqual({ subdomain: "sos-test" });
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(faults()).toEqual(["503", "503", "network", undefined]);
  });

  it("gives up after its tries, naming the action, the resource, Cloudflare's words and the tries", async () => {
    emulator().injectFault({ path: subdomainPath, status: 500, times: retryPolicy.attempts });
    const error = await getSubdomain().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).message).toBe(
      `500 get workers.dev subdomain of account '${accountId}': Internal server error [code 10001] (after 5 attempts)`,
    );
    expect(error).toMatchObject({ status: 500, codes: [10001], attempts: 5 });
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it("does not try again what another try cannot fix", async () => {
    await expect(getSubdomain({ token: "not-a-token" })).rejects.toThrow(
      `403 get workers.dev subdomain of account '${accountId}': Authentication error [code 10000]`,
    );
    expect(waits).toEqual([]);
    expect(emulator().requests).toHaveLength(1);
  });

  it("gives up at once when Retry-After asks for longer than it waits", async () => {
    emulator().injectFault({ path: subdomainPath, status: 429, retryAfter: "3600" });
    await expect(getSubdomain()).rejects.toMatchObject({ status: 429, attempts: 1, retryAfterMs: 3_600_000 });
    expect(waits).toEqual([]);
  });

  it("retries a Cloudflare code only when the call says so: 10021 right after a database is created", async () => {
    const conflict = { path: subdomainPath, status: 400, errors: [{ code: 10021, message: "not ready" }] };
    emulator().injectFault(conflict);
    await expect(getSubdomain()).rejects.toThrow(/not ready \[code 10021\]$/);
    emulator().injectFault({ ...conflict, times: 2 });
    expect(await getSubdomain({ retry: { retryCodes: [10021] } })).toEqual({ subdomain: "sos-test" });
    expect(waits).toEqual([1000, 2000]);
  });

  it("reads a network failure as one: 'network error', the action, and the system's reason", async () => {
    const closed = await closedPort();
    const error = await getSubdomain({ base: `http://127.0.0.1:${closed}/client/v4` }).catch(
      (failure: Error) => failure,
    );
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).message).toBe(
      `network error get workers.dev subdomain of account '${accountId}': fetch failed (ECONNREFUSED) (after 5 attempts)`,
    );
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it("retries the subdomain read, which once failed on the first 503", async () => {
    emulator().injectFault({ path: subdomainPath, status: 503 });
    const previous = retryPolicy.sleep;
    retryPolicy.sleep = recorded.sleep!;
    try {
      expect(await getWorkersDevSubdomain(token, accountId)).toBe("sos-test");
    } finally {
      retryPolicy.sleep = previous;
    }
    expect(waits).toEqual([1000]);
  });
});

describe("CloudflareApiError", () => {
  it("keeps the constructor the sos command uses, and its message shape", () => {
    const error = new CloudflareApiError(403, "probe", "D1 databases", "Authentication error [code 10000]", [10000]);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("403 probe D1 databases: Authentication error [code 10000]");
    expect(error).toMatchObject({ name: "CloudflareApiError", status: 403, codes: [10000], attempts: 1 });
  });
});

describe("Retry-After", () => {
  it("reads seconds and HTTP dates, and ignores what is neither", () => {
    expect(retryAfterMs("0")).toBe(0);
    expect(retryAfterMs("2")).toBe(2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
