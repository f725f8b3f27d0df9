import type { ExecutionContext } from "@cloudflare/workers-types/index";
import type { EngramRow } from "../db/engram-queries";
import type { Env } from "../env";
import { recall } from "../memory/hybrid-recall";
import { memoryFor } from "../memory/memory-context";

/** Memories recalled per chat message. */
export const recallLimit = 5;

/**
 * The memories most relevant to a message (hybrid recall, worker/memory/fusion.ts), marked as
 * accessed in the background, which the model call need not wait for.
 */
export async function recallForMessage(
  env: Env,
  ctx: ExecutionContext,
  agent: string,
  message: string,
): Promise<EngramRow[]> {
  const { results, background } = await recall(memoryFor(env), { agent, query: message, limit: recallLimit });
  ctx.waitUntil(background);
  return results;
}
