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
