import type { EngramRow } from "../db/engram-queries";
import type { Env } from "../env";
import { recall } from "../memory/hybrid-recall";
import { memoryFor } from "../memory/memory-context";

/** Memories recalled per chat message. */
export const recallLimit = 5;

/** The memories most relevant to a message (hybrid recall, worker/memory/fusion.ts), marked as accessed. */
export async function recallForMessage(env: Env, agent: string, message: string): Promise<EngramRow[]> {
  const { results, touched } = await recall(memoryFor(env), { agent, query: message, limit: recallLimit });
  // Chat has no ExecutionContext here; the write is short next to the model call that follows.
  await touched;
  return results;
}
