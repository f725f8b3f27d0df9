import { QueryMeter } from "../db/engram-meter";
import {
  changeLogStateQuery,
  pruneChangesQueries,
  staleVectorsQuery,
  storeVectorQuery,
} from "../db/engram-vector-queries";
import { nowTimestamp } from "../db/timestamps";
import { maxEmbedBatch } from "./embedder";
import { logMemoryFailure, type Memory } from "./memory-context";
import { embeddingText } from "./near-duplicate";
import { packVector, vectorColumns } from "./vector-codec";

/**
 * Background upkeep, a bounded amount per request (run in ctx.waitUntil after stores, searches and
 * chats): engrams whose vector is not of the active model (the model changed, the text changed, or
 * embedding failed when they were stored) are embedded again, at most `maxEmbedBatch` per run in one
 * vendor call; and the change log is pruned. Finding nothing to do reads a couple of index entries.
 * Runs resume where the last one stopped, because the stale rows are exactly the ones left.
 */

/** Change-log entries kept; a worker whose cached vectors are older reloads them. */
const keptChanges = 10_000;

export interface Upkeep {
  reembedded: number;
  remaining: boolean;
  pruned: boolean;
}

export async function maintainMemory(memory: Memory): Promise<Upkeep> {
  const { db, embedder } = memory;
  const meter = new QueryMeter(memory.d1);
  const model = embedder.model;
  const [before, after, log] = await meter.run([
    staleVectorsQuery(db, model, "<", maxEmbedBatch),
    staleVectorsQuery(db, model, ">", maxEmbedBatch),
    changeLogStateQuery(db),
  ] as const);
  const stale = [...before, ...after].slice(0, maxEmbedBatch);
  const upkeep: Upkeep = { reembedded: 0, remaining: before.length + after.length > maxEmbedBatch, pruned: false };

  if (stale.length > 0) {
    try {
      const vectors = await embedder.embed(stale.map((row) => embeddingText(row.text, memory.speaker)));
      const at = nowTimestamp();
      await meter.run(
        stale.map((row, index) => {
          const packed = packVector(vectors[index]!);
          return storeVectorQuery(db, {
            engramId: row.id,
            model,
            ...vectorColumns(packed),
            at,
            expectUpdatedAt: row.updated_at,
          });
        }),
      );
      upkeep.reembedded = stale.length;
    } catch (error) {
      logMemoryFailure("memory_reembedding_failed", error);
    }
  }

  const { floor, latest } = log[0] ?? { floor: 0, latest: null };
  if (latest !== null && latest - floor > 2 * keptChanges) {
    await meter.run(pruneChangesQueries(db, latest - keptChanges));
    upkeep.pruned = true;
  }
  return upkeep;
}

/** Runs the upkeep without letting a failure reach the request it follows. */
export async function maintainQuietly(memory: Memory): Promise<void> {
  try {
    await maintainMemory(memory);
  } catch (error) {
    logMemoryFailure("memory_maintenance_failed", error);
  }
}
