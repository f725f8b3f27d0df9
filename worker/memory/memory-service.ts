import type { ExecutionContext } from "@cloudflare/workers-types/index";
import {
  deleteEngram,
  updateEngram,
  type EngramChanges,
  type EngramRow,
  type NewEngram,
} from "../db/engram-queries";
import type { Env } from "../env";
import { enrichEngram, type EnrichmentJob } from "./enrichment";
import { recall, type Recall, type RecallRequest } from "./hybrid-recall";
import { maintainQuietly } from "./maintenance";
import { logMemoryFailure, memoryFor, type Memory } from "./memory-context";
import { remember, type Remembered } from "./remember";
import { forgetVectorSnapshots, resaveSnapshots } from "./vector-cache";

/**
 * The memory as requests use it: a store or a recall is answered at once, and the work its answer
 * need not wait for (enrichment, marking the results accessed, the bounded upkeep of maintenance.ts)
 * is handed to ctx.waitUntil.
 */

/** Which of an engram's vibe and importance the request set itself: enrichment keeps those. */
type Kept = Pick<EnrichmentJob, "keepVibe" | "keepImportance">;

export interface StoreOptions extends Kept {
  /** Mirror's /store: the engram stored under the same agent and context_id takes the new text. */
  upsert?: boolean;
}

/** Stores an engram (remember.ts); its enrichment, when wanted, and the upkeep follow in the background. */
export async function storeMemory(
  env: Env,
  ctx: ExecutionContext,
  engram: NewEngram,
  options: StoreOptions,
): Promise<Remembered> {
  const memory = memoryFor(env);
  const stored = await remember(memory, engram, { upsert: options.upsert === true });
  ctx.waitUntil(afterStore(env, memory, engram, stored, options));
  return stored;
}

/**
 * Chat's exchange (the user's words and the reply, nothing else) stored as an engram, merged into a
 * near-duplicate if there is one, then enriched: the whole of it in the background of the chat.
 */
export async function rememberExchange(env: Env, engram: NewEngram & { id: string }): Promise<void> {
  const memory = memoryFor(env);
  const stored = await remember(memory, engram);
  await afterStore(env, memory, engram, stored, { keepVibe: false, keepImportance: false });
}

/**
 * Hybrid recall (hybrid-recall.ts); marking the results accessed follows in the background, then the
 * upkeep unless `upkeep` is false (a chat's upkeep follows the exchange it stores).
 */
export async function recallMemory(
  env: Env,
  ctx: ExecutionContext,
  request: RecallRequest,
  options: { upkeep?: boolean } = {},
): Promise<Omit<Recall, "background">> {
  const memory = memoryFor(env);
  const { results, trace, background } = await recall(memory, request);
  ctx.waitUntil(options.upkeep === false ? background : background.then(() => maintainQuietly(memory)));
  return { results, trace };
}

/**
 * Deletes engrams by id, and with them the vector snapshots in KV, which hold their sign bits; the
 * snapshots of the sets this isolate holds are written again without them, in the background.
 * Returns, per id, whether it was there.
 */
export async function forgetMemories(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  ids: readonly string[],
): Promise<boolean[]> {
  const memory = memoryFor(env);
  const deleted: boolean[] = [];
  for (const id of ids) deleted.push(await deleteEngram(memory.db, id));
  if (deleted.includes(true)) await replaceSnapshots(env, ctx, memory, Promise.resolve());
  return deleted;
}

/**
 * Changes an engram (PATCH). A new text makes its vector stale (a trigger): it is embedded again in
 * the background, and the snapshots holding the old text's sign bits are replaced as after a deletion.
 */
export async function editMemory(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  id: string,
  changes: EngramChanges,
): Promise<EngramRow | undefined> {
  const memory = memoryFor(env);
  const row = await updateEngram(memory.db, id, changes);
  if (row && changes.text !== undefined) {
    const reembedded = maintainQuietly(memory);
    ctx.waitUntil(reembedded);
    await replaceSnapshots(env, ctx, memory, reembedded);
  }
  return row;
}

/**
 * Deletes every vector snapshot (they hold sign bits of a memory deleted or rewritten); once `first`
 * is done, the sets this isolate holds write theirs again, in the background. Never throws.
 */
async function replaceSnapshots(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  memory: Memory,
  first: Promise<unknown>,
): Promise<void> {
  try {
    await forgetVectorSnapshots(env.SESSION);
    ctx.waitUntil(first.then(() => resaveSnapshots(memory)));
  } catch (error) {
    logMemoryFailure("memory_snapshot_delete_failed", error);
  }
}

/**
 * The work after a store: enrichment of a newly inserted engram when the store brought neither
 * truths nor concepts (a merge keeps the engram it merged into as it is), then the bounded upkeep.
 * Never throws.
 */
async function afterStore(env: Env, memory: Memory, engram: NewEngram, stored: Remembered, kept: Kept): Promise<void> {
  const wanted = (engram.epistemic_truths?.length ?? 0) === 0 && (engram.core_concepts?.length ?? 0) === 0;
  if (wanted && !stored.merged) {
    try {
      await enrichEngram(env, memory, {
        engramId: stored.row.id,
        text: stored.row.text,
        keepVibe: kept.keepVibe,
        keepImportance: kept.keepImportance,
      });
    } catch (error) {
      logMemoryFailure("memory_enrichment_failed", error);
    }
  }
  await maintainQuietly(memory);
}
