import type { ExecutionContext } from "@cloudflare/workers-types/index";
import type { EngramRow } from "../db/engram-queries";
import type { Env } from "../env";
import { recallMemory } from "../memory/memory-service";

/** Memories recalled per chat message. */
export const recallLimit = 5;

/**
 * The memories most relevant to a message (hybrid recall, worker/memory/fusion.ts), marked as
 * accessed in the background, which the model call need not wait for; the upkeep follows the
 * exchange the chat stores.
 */
export async function recallForMessage(
  env: Env,
  ctx: ExecutionContext,
  agent: string,
  message: string,
): Promise<EngramRow[]> {
  const { results } = await recallMemory(env, ctx, { agent, query: message, limit: recallLimit }, { upkeep: false });
  return results;
}
