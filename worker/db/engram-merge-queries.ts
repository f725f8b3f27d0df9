import { sql } from "kysely";
import type { Db, Timestamp } from "./database";
import { engramColumns } from "./engram-queries";

/**
 * How much a merge raises importance: it closes this share of the gap to 1, starting from the
 * larger of the stored importance and the one the new store carried (0.5 → 0.55 → 0.595 → ...).
 */
export const mergeImportanceGain = 0.1;

/**
 * A near-duplicate stored again: the existing engram counts one more reference, gains importance,
 * and its timestamps move to now. The agent is checked again (the candidate came from memory).
 */
export function mergeEngramQuery(
  db: Db,
  merge: { rowid: number; agent: string; importance: number | undefined; at: Timestamp },
) {
  const floor = merge.importance ?? 0;
  return db
    .updateTable("engrams")
    .set((eb) => ({
      ref_count: eb("ref_count", "+", 1),
      importance: sql<number>`min(1.0, max(coalesce(${eb.ref("importance")}, 0.5), ${floor}) * ${1 - mergeImportanceGain} + ${mergeImportanceGain})`,
      updated_at: merge.at,
      accessed_at: merge.at,
    }))
    .where("rowid", "=", merge.rowid)
    .where("agent", "=", merge.agent)
    .returning([...engramColumns, "rowid"]);
}

/** Adds what a merged store brought (truths, concepts, a vibe) to the engram it merged into. */
export function mergeListsQuery(
  db: Db,
  id: string,
  lists: { epistemic_truths: string[]; core_concepts: string[]; affective_vibe: string | null },
) {
  return db
    .updateTable("engrams")
    .set({
      epistemic_truths: JSON.stringify(lists.epistemic_truths),
      core_concepts: JSON.stringify(lists.core_concepts),
      affective_vibe: lists.affective_vibe,
    })
    .where("id", "=", id)
    .returning(engramColumns);
}

/**
 * Writes a model's extraction, only while the engram still has no truths and no concepts: an edit
 * made while the model was thinking wins. Vibe and importance are written only when asked for.
 */
export function enrichEngramQuery(
  db: Db,
  enrichment: {
    id: string;
    epistemic_truths: string[];
    core_concepts: string[];
    affective_vibe?: string;
    importance?: number;
    at: Timestamp;
  },
) {
  const empty = (column: "epistemic_truths" | "core_concepts") =>
    sql<boolean>`coalesce(${sql.ref(column)}, '[]') = '[]'`;
  return db
    .updateTable("engrams")
    .set({
      epistemic_truths: JSON.stringify(enrichment.epistemic_truths),
      core_concepts: JSON.stringify(enrichment.core_concepts),
      ...(enrichment.affective_vibe !== undefined && { affective_vibe: enrichment.affective_vibe }),
      ...(enrichment.importance !== undefined && { importance: enrichment.importance }),
      updated_at: enrichment.at,
    })
    .where("id", "=", enrichment.id)
    .where(empty("epistemic_truths"))
    .where(empty("core_concepts"))
    .returning(engramColumns);
}

/** The newest engram stored under an agent's context_id (Mirror's upsert key), if any. */
export function contextEngramQuery(db: Db, agent: string, contextId: string) {
  return db
    .selectFrom("engrams")
    .select(["rowid", "id"])
    .where("agent", "=", agent)
    .where("context_id", "=", contextId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(1);
}

/**
 * Mirror's upsert of an engram already stored under the same agent and context_id: what the store
 * brings replaces it (text, lists, vibe), as Mirror's `ON CONFLICT (context_id) DO UPDATE` does;
 * its reference count, importance and creation time stay. The triggers re-index its words and mark
 * its vector stale (the caller stores the new one in the same batch).
 */
export function replaceEngramQuery(
  db: Db,
  replace: {
    id: string;
    agent: string;
    text: string;
    epistemic_truths: string[];
    core_concepts: string[];
    affective_vibe: string | null;
    at: Timestamp;
  },
) {
  return db
    .updateTable("engrams")
    .set({
      text: replace.text,
      epistemic_truths: JSON.stringify(replace.epistemic_truths),
      core_concepts: JSON.stringify(replace.core_concepts),
      affective_vibe: replace.affective_vibe,
      updated_at: replace.at,
    })
    .where("id", "=", replace.id)
    .where("agent", "=", replace.agent)
    .returning(engramColumns);
}
