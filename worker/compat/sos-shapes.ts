import type { EngramRow } from "../db/engram-queries";
import { metrics, type Uv16d } from "../state/uv16d";

/**
 * The SOS prototype worker returned raw D1 rows (`SELECT *`): seed column names, the list
 * columns as their stored JSON text, SQLite timestamps. The embedding is left out: the
 * prototype never wrote one, and a vector is no use to its clients.
 */
export function sosEngramRow(row: EngramRow) {
  return {
    id: row.id,
    agent: row.agent,
    context_id: row.context_id,
    text: row.text,
    epistemic_truths: row.epistemic_truths,
    core_concepts: row.core_concepts,
    affective_vibe: row.affective_vibe,
    created_at: row.created_at,
    accessed_at: row.accessed_at,
    importance: row.importance,
  };
}

/**
 * The prototype read its state as flat columns (`p`, `e`, ... with coherence and
 * witness_magnitude); the seed keeps `uv_16d` JSON. Both are given.
 */
export function sosAgentState(agent: string, uv: Uv16d, lastSync: string | null) {
  const { coherence, witness_magnitude, inner_mean, outer_mean } = metrics(uv);
  return {
    agent,
    ...uv.inner,
    ...uv.outer,
    coherence,
    witness_magnitude,
    inner_mean,
    outer_mean,
    uv_16d: uv,
    last_sync: lastSync,
  };
}
