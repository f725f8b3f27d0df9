import type { D1Database } from "@cloudflare/workers-types/index";
import { sql } from "kysely";
import { engramColumns, type EngramRow } from "./engram-queries";
import { emptyScrubQuery, fillScrubQuery, maxScrubBytes } from "./scrub-queries";
import type { Db } from "./database";
import type { ContactRow } from "./contact-queries";
import type { AgentStateRow } from "./state-queries";

/**
 * An engram with its stored vector (engram_vectors, worker/memory/vector-codec.ts): the model is ''
 * and the rest null until the text is embedded. BLOBs are read through `hex()`, as D1 hands a BLOB
 * over as an array of numbers. The seed's `embedding` column is not read: the runtime never writes it.
 */
export interface FullEngramRow extends EngramRow {
  vector_model: string | null;
  vector_dims: number | null;
  vector_scale: number | null;
  vector_bits: string | null;
  vector_q8: string | null;
}

export interface DatabaseContents {
  engrams: FullEngramRow[];
  agentState: AgentStateRow[];
  contacts: ContactRow[];
}

/** Every stored row, engrams with their vectors, oldest first. */
export async function readAllContents(db: Db): Promise<DatabaseContents> {
  const [engrams, agentState, contacts] = await Promise.all([
    db
      .selectFrom("engrams as e")
      .leftJoin("engram_vectors as v", "v.engram_rowid", "e.rowid")
      .select(engramColumns.map((column) => `e.${column}` as const))
      .select([
        "v.model as vector_model",
        "v.dims as vector_dims",
        "v.scale as vector_scale",
        sql<string | null>`hex(v.bits)`.as("vector_bits"),
        sql<string | null>`hex(v.q8)`.as("vector_q8"),
      ])
      .orderBy("e.created_at")
      .orderBy("e.id")
      .execute(),
    db.selectFrom("agent_state").selectAll().orderBy("agent").execute(),
    db.selectFrom("contacts").selectAll().orderBy("received_at").orderBy("id").execute(),
  ]);
  return { engrams, agentState, contacts };
}

export interface ErasedCounts {
  engrams: number;
  agent_state: number;
  contacts: number;
  conversations: number;
}

/**
 * The tables holding the user's data, dropped and created again by an erase (with their indexes
 * and triggers), and every virtual table (the full-text indexes over engrams and their
 * vocabularies). Deleting rows would leave their bytes in the pages that stay in use, a table's
 * first page above all; dropping frees every page. The change log (memory_changes) is emptied by
 * the memory engine instead: its sequence must never restart (worker/memory/vector-cache.ts).
 */
const contentTables = [
  "engrams",
  "engram_vectors",
  "agent_state",
  "contacts",
  "contact_rate_limits",
  "conversations",
  "conversation_messages",
] as const;

interface SchemaObject {
  type: string;
  name: string;
  sql: string;
}

/**
 * The definitions to create again: the content tables, every virtual table, and their indexes and
 * triggers, in the order they were created (so each finds what it refers to). The shadow tables of
 * the full-text indexes are left out: their virtual table makes them. Also the database's size,
 * which bounds what the erase frees.
 */
async function contentSchema(d1: D1Database): Promise<{ objects: SchemaObject[]; size: number }> {
  const placeholders = contentTables.map(() => "?").join(", ");
  const result = await d1
    .prepare(
      `SELECT type, name, sql FROM sqlite_schema
       WHERE sql IS NOT NULL
         AND (tbl_name IN (${placeholders})
           OR tbl_name IN (SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'))
       ORDER BY rowid`,
    )
    .bind(...contentTables)
    .all<SchemaObject>();
  return { objects: result.results, size: Number(result.meta.size_after ?? 0) };
}

/**
 * Erases every row of the runtime's data in one batch (one transaction): counts first, inside the
 * same transaction so they are exactly what was erased; then the content tables and full-text
 * indexes are dropped, every page they freed is written over with zeros (D1 allows neither
 * `PRAGMA secure_delete` nor `VACUUM`), and they are created again from their own stored
 * definitions, on fresh pages. Returns the counts and the database's size before.
 */
export async function eraseAllContents(db: Db, d1: D1Database): Promise<{ counts: ErasedCounts; sizeBefore: number }> {
  const { objects, size } = await contentSchema(d1);
  const tables = objects.filter((object) => object.type === "table");
  const virtual = tables.filter((object) => /^CREATE VIRTUAL TABLE/i.test(object.sql));
  const plain = tables.filter((object) => !virtual.includes(object));
  const count = (table: "engrams" | "agent_state" | "contacts" | "conversations") => {
    const query = db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .compile();
    return d1.prepare(query.sql).bind(...query.parameters);
  };
  const results = await d1.batch<Record<string, unknown>>([
    count("engrams"),
    count("agent_state"),
    count("contacts"),
    count("conversations"),
    // Through the memory engine's triggers, as deleting engrams always did: each vector's deletion is
    // logged, so every worker instance's copy of the vectors is found stale (dropping logs nothing).
    d1.prepare("DELETE FROM engram_vectors"),
    // Virtual tables first: a vocabulary reads its index, and the triggers on engrams write to them.
    ...[...virtual, ...plain].map((table) => d1.prepare(`DROP TABLE IF EXISTS "${table.name.replace(/"/g, '""')}"`)),
    // The free list is at most the whole database: all of it is taken, so the tables made next get new pages.
    fillScrubQuery(d1, Math.min(size, maxScrubBytes)),
    ...objects.map((object) => d1.prepare(object.sql)),
    emptyScrubQuery(d1),
  ]);
  const counted = (index: number) => Number(results[index]?.results[0]?.["count"] ?? 0);
  return {
    counts: { engrams: counted(0), agent_state: counted(1), contacts: counted(2), conversations: counted(3) },
    sizeBefore: size,
  };
}
