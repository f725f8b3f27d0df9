import type { EngramRow } from "../db/engram-queries";
import { toIso } from "../db/timestamps";

/** An engram as the runtime API returns it: lists parsed, timestamps in ISO 8601. */
export interface MemoryView {
  id: string;
  agent: string;
  context_id: string | null;
  text: string;
  epistemic_truths: string[];
  core_concepts: string[];
  affective_vibe: string | null;
  importance: number | null;
  ref_count: number;
  created_at: string | null;
  updated_at: string | null;
  accessed_at: string | null;
}

export function memoryView(row: EngramRow): MemoryView {
  return {
    id: row.id,
    agent: row.agent,
    context_id: row.context_id,
    text: row.text,
    epistemic_truths: parseStringList(row.epistemic_truths),
    core_concepts: parseStringList(row.core_concepts),
    affective_vibe: row.affective_vibe,
    importance: row.importance,
    ref_count: row.ref_count,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    accessed_at: toIso(row.accessed_at),
  };
}

/** A stored JSON list column; anything that is not a JSON array of strings reads as empty. */
export function parseStringList(stored: string | null): string[] {
  if (stored === null) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}
