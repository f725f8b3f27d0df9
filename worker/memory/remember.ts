import { QueryMeter } from "../db/engram-meter";
import { mergeEngramQuery, mergeListsQuery } from "../db/engram-merge-queries";
import { insertEngramQuery, type EngramRow, type NewEngram } from "../db/engram-queries";
import { storeVectorQuery } from "../db/engram-vector-queries";
import { nowTimestamp } from "../db/timestamps";
import { parseStringList } from "./engram-view";
import { logMemoryFailure, nearDuplicateCosine, type Memory } from "./memory-context";
import { currentVectorSet, freshnessQueries } from "./vector-cache";
import { bytesOf, packVector } from "./vector-codec";
import { searchVectors } from "./vector-search";

export interface Remembered {
  row: EngramRow;
  /** True when the text merged into a near-duplicate instead of being inserted. */
  merged: boolean;
  /** The model of the stored vector, or null when embedding failed (the maintenance retries it). */
  model: string | null;
}

/**
 * Stores a text: embeds it, and when an engram of the same agent is at least 0.92 similar, merges
 * into that one (one more reference, importance raised, timestamps now, new truths and concepts
 * added) instead of inserting. Otherwise the engram and its vector are written in one transaction.
 * When the embedding fails the engram is still stored, without a vector (and without a merge).
 */
export async function remember(memory: Memory, engram: NewEngram): Promise<Remembered> {
  const { db, embedder } = memory;
  const meter = new QueryMeter(memory.d1);
  let vector: Float32Array | undefined;
  try {
    vector = (await embedder.embed([engram.text]))[0];
  } catch (error) {
    logMemoryFailure("memory_embedding_failed", error);
  }

  if (vector) {
    const duplicate = await nearestDuplicate(meter, memory, engram.agent, vector);
    if (duplicate !== undefined) {
      const merged = await mergeInto(meter, memory, duplicate, engram);
      if (merged) return { row: merged, merged: true, model: embedder.model };
    }
  }

  const at = nowTimestamp();
  const id = engram.id ?? crypto.randomUUID();
  const packed = vector && packVector(vector);
  const [inserted] = await meter.run([
    insertEngramQuery(db, { ...engram, id }, at),
    ...(packed
      ? [
          storeVectorQuery(db, {
            engramId: id,
            model: embedder.model,
            dims: packed.dims,
            bits: bytesOf(packed.bits),
            q8: bytesOf(packed.q8),
            scale: packed.scale,
            at,
          }),
        ]
      : []),
  ]);
  return { row: inserted[0] as EngramRow, merged: false, model: packed ? embedder.model : null };
}

async function nearestDuplicate(
  meter: QueryMeter,
  memory: Memory,
  agent: string,
  vector: Float32Array,
): Promise<number | undefined> {
  const model = memory.embedder.model;
  const freshness = freshnessQueries(memory.db, agent, model);
  const fresh = await meter.runNamed({ state: freshness.state, changes: freshness.changes });
  const { set } = await currentVectorSet(meter, memory.db, agent, model, {
    state: fresh.state[0],
    changes: fresh.changes,
  });
  const { nearest } = await searchVectors(meter, memory.db, set, vector, {
    limit: 1,
    floor: nearDuplicateCosine,
    exact: true,
  });
  return nearest[0]?.rowid;
}

/** Merges into the engram at `rowid`; undefined when it is gone (deleted meanwhile). */
async function mergeInto(
  meter: QueryMeter,
  memory: Memory,
  rowid: number,
  engram: NewEngram,
): Promise<EngramRow | undefined> {
  const [updated] = await meter.run([
    mergeEngramQuery(memory.db, { rowid, agent: engram.agent, importance: engram.importance, at: nowTimestamp() }),
  ] as const);
  const row = updated[0];
  if (!row) return undefined;
  const { rowid: _rowid, ...merged } = row;
  const truths = union(parseStringList(merged.epistemic_truths), engram.epistemic_truths);
  const concepts = union(parseStringList(merged.core_concepts), engram.core_concepts);
  const vibe = merged.affective_vibe ?? engram.affective_vibe ?? null;
  const unchanged =
    truths.length === parseStringList(merged.epistemic_truths).length &&
    concepts.length === parseStringList(merged.core_concepts).length &&
    vibe === merged.affective_vibe;
  if (unchanged) return merged;
  const [relisted] = await meter.run([
    mergeListsQuery(memory.db, merged.id, { epistemic_truths: truths, core_concepts: concepts, affective_vibe: vibe }),
  ] as const);
  return relisted[0] ?? merged;
}

/** The stored list with the new items it lacks, at most 64 (the API's limit). */
function union(stored: string[], added: string[] | undefined): string[] {
  const seen = new Set(stored.map((item) => item.toLowerCase()));
  const result = [...stored];
  for (const item of added ?? []) {
    if (seen.has(item.toLowerCase()) || result.length >= 64) continue;
    seen.add(item.toLowerCase());
    result.push(item);
  }
  return result;
}
