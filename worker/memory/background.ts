import type { NewEngram } from "../db/engram-queries";
import type { Env } from "../env";
import { enrichEngram } from "./enrichment";
import { maintainQuietly } from "./maintenance";
import { logMemoryFailure, memoryFor, type Memory } from "./memory-context";
import { remember, type Remembered } from "./remember";

/** What a store left to do: which of its own fields enrichment must keep. Absent: no enrichment. */
export interface EnrichmentWanted {
  keepVibe: boolean;
  keepImportance: boolean;
}

/** A store wants enrichment when it brought neither truths nor concepts. */
export function wantsEnrichment(truths: string[] | undefined, concepts: string[] | undefined): boolean {
  return (truths?.length ?? 0) === 0 && (concepts?.length ?? 0) === 0;
}

/**
 * The work after a store, for ctx.waitUntil: enrichment of a newly inserted engram when wanted
 * (a merge keeps the engram it merged into as it is), then the bounded upkeep. Never throws.
 */
export async function afterStore(
  env: Env,
  memory: Memory,
  stored: Remembered,
  enrichment: EnrichmentWanted | undefined,
): Promise<void> {
  if (enrichment && !stored.merged) {
    try {
      await enrichEngram(env, memory, { engramId: stored.row.id, text: stored.row.text, ...enrichment });
    } catch (error) {
      logMemoryFailure("memory_enrichment_failed", error);
    }
  }
  await maintainQuietly(memory);
}

/**
 * Chat's exchange (the user's words and the reply, nothing else) stored as an engram, merged into a
 * near-duplicate if there is one, then enriched: the whole of it in the background of the chat.
 */
export async function rememberExchange(env: Env, engram: NewEngram & { id: string }): Promise<void> {
  const memory = memoryFor(env);
  const stored = await remember(memory, engram);
  await afterStore(env, memory, stored, { keepVibe: false, keepImportance: false });
}
