import { setTimeout as delay } from "node:timers/promises";

/**
 * Reads `stream` until nothing more arrives for `quietMs` and returns what came, plus the read still
 * waiting (settled once the caller aborts). Fails if the stream ends instead: a stalled upstream never ends.
 */
export async function readUntilStalled<T>(
  stream: AsyncIterable<T>,
  quietMs = 150,
): Promise<{ items: T[]; waiting: Promise<unknown> }> {
  const iterator = stream[Symbol.asyncIterator]();
  const items: T[] = [];
  for (;;) {
    const next = iterator.next();
    const result = await Promise.race([next, delay(quietMs).then(() => "quiet" as const)]);
    if (result === "quiet") return { items, waiting: next.catch((error: unknown) => error) };
    if (result.done) throw new Error(`the stream ended after ${items.length} item(s) instead of stalling`);
    items.push(result.value);
  }
}

/**
 * Opens a stream with `open`, reads it until it stalls, then aborts it: what came before the stall, and what
 * the read still waiting at the abort settled to (a rejected read gives its error).
 */
export async function abortWhenStalled<T>(
  open: (signal: AbortSignal) => Promise<AsyncIterable<T>>,
): Promise<{ items: T[]; settled: unknown }> {
  const controller = new AbortController();
  const { items, waiting } = await readUntilStalled(await open(controller.signal));
  controller.abort();
  return { items, settled: await waiting };
}
