import type { QueryMeter } from "../db/engram-meter";
import { storeVectorQuery } from "../db/engram-vector-queries";
import {
  storedEngramsQueries,
  upsertEngramsQueries,
  type RestoredEngram,
  type RestoredVector,
} from "../db/import-queries";
import { nowTimestamp } from "../db/timestamps";
import { maxEmbedBatch } from "./embedder";
import { logMemoryFailure, type Memory } from "./memory-context";
import { embeddingText } from "./near-duplicate";
import { packVector, vectorColumns } from "./vector-codec";

/**
 * Engrams from a backup, written as they were: by id, every column kept, never merged into a
 * near-duplicate (a restore restores exactly). Each one that would be left without a vector of the
 * active model (new, its text changed, or never embedded) gets one in the same batch, after it: the
 * backup's own when that is of the active model (no embedding call), else one embedded now, as a
 * stored engram is. The triggers keep the full-text index, the vector rows and the change log
 * (which every worker's vector cache reads) in step. When embedding fails the engrams are still
 * written, and the background upkeep embeds them later.
 */
export async function prepareEngramRestore(
  meter: QueryMeter,
  memory: Memory,
  rows: readonly RestoredEngram[],
  backupVectors: ReadonlyMap<string, RestoredVector> = new Map(),
) {
  const { db, embedder } = memory;
  const stored = new Map(
    (
      await meter.run(
        storedEngramsQueries(
          db,
          rows.map((row) => row.id),
        ),
      )
    )
      .flat()
      .map((row) => [row.id, row]),
  );
  const unembedded = rows.filter((row) => {
    const current = stored.get(row.id);
    return current === undefined || current.text !== row.text || current.model !== embedder.model;
  });
  const backupVector = (row: RestoredEngram) => {
    const vector = backupVectors.get(row.id);
    return vector?.model === embedder.model ? vector : undefined;
  };
  const toEmbed = unembedded.filter((row) => backupVector(row) === undefined);
  const embedded = await embedWhilePossible(
    memory,
    toEmbed.map((row) => embeddingText(row.text, memory.speaker)),
  );
  const at = nowTimestamp();
  const store = (engramId: string, vector: RestoredVector) => storeVectorQuery(db, { engramId, ...vector, at });
  const restoredQueries = unembedded.flatMap((row) => {
    const vector = backupVector(row);
    return vector ? [store(row.id, vector)] : [];
  });
  const embeddedQueries = toEmbed.flatMap((row, index) => {
    const vector = embedded[index];
    return vector ? [store(row.id, { model: embedder.model, ...vectorColumns(packVector(vector)) })] : [];
  });
  return {
    /** Run in one batch, upserts first: a vector is stored into the row its engram's insert made. */
    queries: { engrams: upsertEngramsQueries(db, rows), vectors: [...restoredQueries, ...embeddedQueries] },
    model: embedder.model,
    restored: restoredQueries.length,
    embedded: embeddedQueries.length,
    pending: toEmbed.length - embeddedQueries.length,
  };
}

/** Vectors for the texts, `maxEmbedBatch` per call; after a failed call the rest are left unembedded. */
async function embedWhilePossible(memory: Memory, texts: string[]): Promise<(Float32Array | undefined)[]> {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += maxEmbedBatch) {
    try {
      vectors.push(...(await memory.embedder.embed(texts.slice(start, start + maxEmbedBatch))));
    } catch (error) {
      logMemoryFailure("memory_embedding_failed", error);
      break;
    }
  }
  return vectors;
}
