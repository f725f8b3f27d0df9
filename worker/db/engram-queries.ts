import type { Selectable } from "kysely";
import type { CursorPosition } from "./cursor-position";
import type { Db, EngramsTable, Timestamp } from "./database";
import { nowTimestamp } from "./timestamps";

/**
 * Every engram column but rowid and the seed's `embedding`, which the runtime neither reads nor
 * writes: vectors live in engram_vectors (schema/0003_memory_vectors.sql).
 */
export const engramColumns = [
  "id",
  "agent",
  "context_id",
  "text",
  "epistemic_truths",
  "core_concepts",
  "affective_vibe",
  "created_at",
  "accessed_at",
  "importance",
  "updated_at",
  "ref_count",
] as const;

export type EngramRow = Pick<Selectable<EngramsTable>, (typeof engramColumns)[number]>;

export interface NewEngram {
  /** Chosen by the caller when it must name the engram before writing it (chat's `done` event). */
  id?: string;
  agent: string;
  text: string;
  context_id?: string | null;
  epistemic_truths?: string[];
  core_concepts?: string[];
  affective_vibe?: string | null;
  importance?: number;
}

export type EngramChanges = Partial<Omit<NewEngram, "agent" | "id">>;

export async function createEngram(db: Db, engram: NewEngram): Promise<EngramRow> {
  return insertEngramQuery(db, engram, nowTimestamp()).executeTakeFirstOrThrow();
}

/** The insert of `createEngram`, to run in a batch (the vector is stored in the same transaction). */
export function insertEngramQuery(db: Db, engram: NewEngram, now: Timestamp) {
  return db
    .insertInto("engrams")
    .values({
      id: engram.id ?? crypto.randomUUID(),
      ...storedFields(engram),
      agent: engram.agent,
      text: engram.text,
      created_at: now,
      updated_at: now,
    })
    .returning(engramColumns);
}

export async function getEngram(db: Db, id: string): Promise<EngramRow | undefined> {
  return db.selectFrom("engrams").select(engramColumns).where("id", "=", id).executeTakeFirst();
}

export interface EngramPage {
  agent: string;
  contextId?: string;
  limit: number;
  /** Continue strictly below this (created_at, id). */
  after?: CursorPosition;
}

/** Newest first; reads limit + 1 rows so the caller knows whether another page exists. */
export async function listEngrams(db: Db, page: EngramPage): Promise<EngramRow[]> {
  let query = db.selectFrom("engrams").select(engramColumns).where("agent", "=", page.agent);
  if (page.contextId !== undefined) query = query.where("context_id", "=", page.contextId);
  if (page.after) {
    const { at, id } = page.after;
    query = query.where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(at, id)));
  }
  return query
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}

/** Newest first, optionally for one agent (the compatibility routes' "recent"). */
export async function recentEngrams(db: Db, agent: string, limit: number): Promise<EngramRow[]> {
  return db
    .selectFrom("engrams")
    .select(engramColumns)
    .where("agent", "=", agent)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

export async function updateEngram(db: Db, id: string, changes: EngramChanges): Promise<EngramRow | undefined> {
  return db
    .updateTable("engrams")
    .set({ ...storedFields(changes), updated_at: nowTimestamp() })
    .where("id", "=", id)
    .returning(engramColumns)
    .executeTakeFirst();
}

export async function deleteEngram(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom("engrams").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function countEngramsByAgent(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("engrams")
    .select(["agent", (eb) => eb.fn.countAll<number>().as("count")])
    .groupBy("agent")
    .execute();
  return Object.fromEntries(rows.map((row) => [row.agent, Number(row.count)]));
}

function storedFields(engram: EngramChanges) {
  return {
    ...(engram.text !== undefined && { text: engram.text }),
    ...(engram.context_id !== undefined && { context_id: engram.context_id }),
    ...(engram.epistemic_truths !== undefined && { epistemic_truths: JSON.stringify(engram.epistemic_truths) }),
    ...(engram.core_concepts !== undefined && { core_concepts: JSON.stringify(engram.core_concepts) }),
    ...(engram.affective_vibe !== undefined && { affective_vibe: engram.affective_vibe }),
    ...(engram.importance !== undefined && { importance: engram.importance }),
  };
}
