import type { EngramRow } from "../db/engram-queries";
import type { ScoredEngramRow } from "../db/engram-search";
import { toIso } from "../db/timestamps";
import { parseStringList } from "../memory/engram-view";

/** Mirror's default `affective_vibe` for engrams stored without one. */
export const mirrorDefaultVibe = "Neutral";

/** Mirror names an agent's memory "series" `<Agent> - Agent Memory` (Python's str.title()). */
export function mirrorSeries(agent: string): string {
  const titled = agent
    .toLowerCase()
    .replace(/(^|[^a-z])([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
  return `${titled} - Agent Memory`;
}

/** One element of `POST /search`'s array: Mirror's EngramResponse fields. */
export function mirrorSearchResult(row: ScoredEngramRow, similarity: number) {
  return {
    id: row.id,
    context_id: row.context_id ?? "",
    series: mirrorSeries(row.agent),
    project: null,
    similarity,
    epistemic_truths: parseStringList(row.epistemic_truths),
    core_concepts: parseStringList(row.core_concepts),
    affective_vibe: row.affective_vibe ?? mirrorDefaultVibe,
    timestamp: toIso(row.created_at),
    text: row.text,
  };
}

/** One engram of `GET /recent/:agent`: Mirror returned its rows, the text inside raw_data. */
export function mirrorRecentEngram(row: EngramRow) {
  return {
    id: row.id,
    context_id: row.context_id ?? "",
    timestamp: toIso(row.created_at),
    series: mirrorSeries(row.agent),
    project: null,
    epistemic_truths: parseStringList(row.epistemic_truths),
    core_concepts: parseStringList(row.core_concepts),
    affective_vibe: row.affective_vibe ?? mirrorDefaultVibe,
    importance_score: row.importance,
    raw_data: { agent: row.agent, text: row.text },
    text: row.text,
  };
}
