import { SosError } from "./errors";

/** Calls the deployed worker's API with the agent key (status, backup, restore). */
export async function workerRequest<T>(
  workerUrl: string,
  agentKey: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const url = `${workerUrl.replace(/\/+$/, "")}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(agentKey && { authorization: `Bearer ${agentKey}` }),
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new SosError(`The worker at ${url} could not be reached: ${String((error as Error).cause ?? error)}`,
      "Check the deployment with `sos status`; a worker deployed seconds ago may need a minute to answer.");
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string } };
      message = parsed.error?.message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new SosError(`${method} ${path} answered ${response.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}
