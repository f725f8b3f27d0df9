import { QueryMeter } from "../db/engram-meter";
import { contextEngramQuery, mergeEngramQuery, mergeListsQuery, replaceEngramQuery } from "../db/engram-merge-queries";
import { engramsByRowidQueries } from "../db/engram-recall-queries";
import { insertEngramQuery, type EngramRow, type NewEngram } from "../db/engram-queries";
import { storeVectorQuery } from "../db/engram-vector-queries";
import { nowTimestamp } from "../db/timestamps";
import { parseStringList } from "./engram-view";
import { logMemoryFailure, nearDuplicateCosine, type Memory } from "./memory-context";
import { embeddingText, sameWords } from "./near-duplicate";
import { currentVectorSet, freshnessOf, freshnessQueries } from "./vector-cache";
import { packVector, vectorColumns } from "./vector-codec";
import { searchVectors } from "./vector-search";

export interface Remembered {
  row: EngramRow;
  /** True when the text merged into a near-duplicate instead of being inserted. */
  merged: boolean;
  /** The model of the stored vector, or null when embedding failed (the maintenance retries it). */
  model: string | null;
}

/**
 * Stores a text: embeds it (a chat exchange by its user's words, near-duplicate.ts), and when an
 * engram of the same agent is at least 0.92 similar and a near-duplicate in words as well (the new
 * text brings no word it lacks), merges into that one (one more reference, importance raised,
 * timestamps now, new truths and concepts added) instead of inserting: a merge never loses a word.
 * Otherwise, with `upsert` (Mirror's /store), the engram already stored under the same agent and
 * context_id takes the new text (Mirror's upsert on context_id); else a new engram is written. The
 * engram and its vector are written in one transaction. When the embedding fails the engram is
 * still stored, without a vector (and without a merge).
 */
export async function remember(
  memory: Memory,
  engram: NewEngram,
  options: { upsert?: boolean } = {},
): Promise<Remembered> {
  const { db, embedder } = memory;
  const meter = new QueryMeter(memory.d1);
  let vector: Float32Array | undefined;
  try {
    vector = (await embedder.embed([embeddingText(engram.text, memory.speaker)]))[0];
  } catch (error) {
    logMemoryFailure("memory_embedding_failed", error);
  }
  const contextId = options.upsert ? (engram.context_id ?? undefined) : undefined;

  const found = await findStored(meter, memory, engram, vector, contextId);
  if (found.duplicate) {
    const merged = await mergeInto(meter, memory, found.duplicate, engram);
    if (merged) return { row: merged, merged: true, model: vector ? embedder.model : null };
  }

  const at = nowTimestamp();
  const id = found.upserted?.id ?? engram.id ?? crypto.randomUUID();
  const packed = vector && packVector(vector);
  const write = found.upserted
    ? replaceEngramQuery(db, {
        id,
        agent: engram.agent,
        text: engram.text,
        epistemic_truths: engram.epistemic_truths ?? [],
        core_concepts: engram.core_concepts ?? [],
        affective_vibe: engram.affective_vibe ?? null,
        at,
      })
    : insertEngramQuery(db, { ...engram, id }, at);
  const [written] = await meter.run([
    write,
    ...(packed
      ? [
          storeVectorQuery(db, {
            engramId: id,
            model: embedder.model,
            ...vectorColumns(packed),
            at,
          }),
        ]
      : []),
  ]);
  const row = written[0] as EngramRow | undefined;
  // The upserted engram was deleted meanwhile: store the text as a new one.
  if (!row) return remember(memory, engram, {});
  return { row, merged: false, model: packed ? embedder.model : null };
}

/** How many vector near-duplicates have their words compared (each one row read). */
const duplicateCandidates = 3;

/**
 * One round trip for the vector cache's freshness and the engram stored under the context (an
 * upsert), then one for the words of the vector near-duplicates: the first that is a near-duplicate
 * in words too is merged into.
 */
async function findStored(
  meter: QueryMeter,
  memory: Memory,
  engram: NewEngram,
  vector: Float32Array | undefined,
  contextId: string | undefined,
): Promise<{ duplicate?: number; upserted?: { rowid: number; id: string } }> {
  const model = memory.embedder.model;
  const freshness = vector ? freshnessQueries(memory, engram.agent, model) : undefined;
  const fresh = await meter.runNamed({
    ...freshness?.queries,
    context: contextId === undefined ? undefined : contextEngramQuery(memory.db, engram.agent, contextId),
  });
  const upserted = fresh.context?.[0];
  if (!vector) return { ...(upserted && { upserted }) };
  const { set } = await currentVectorSet(meter, memory, engram.agent, model, freshnessOf(fresh, freshness?.snapshot));
  const { nearest } = await searchVectors(meter, memory.db, set, vector, {
    limit: duplicateCandidates,
    floor: nearDuplicateCosine,
    exact: true,
  });
  if (nearest.length === 0) return { ...(upserted && { upserted }) };
  const rows = new Map(
    (
      await meter.run(
        engramsByRowidQueries(
          memory.db,
          nearest.map((scored) => scored.rowid),
        ),
      )
    )
      .flat()
      .map((row) => [row.rowid, row]),
  );
  const duplicate = nearest.find((scored) => {
    const row = rows.get(scored.rowid);
    return row !== undefined && row.agent === engram.agent && sameWords(engram.text, row.text);
  });
  return { ...(duplicate && { duplicate: duplicate.rowid }), ...(upserted && { upserted }) };
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
