import { engramColumns } from "./engram-queries";
import { sql, type Insertable } from "kysely";
import type { AgentStateTable, ContactsTable, Db, EngramsTable } from "./database";
import { maxRowidsPerStatement } from "./engram-recall-queries";

/**
 * The upserts of POST /api/import (a backup taken back). Each writes many rows per statement, as
 * many as D1's 100 bound parameters allow, and touches a row only when the backup differs from it:
 * an identical row is left alone (no trigger runs, its full-text entry and vector stay) and is
 * not returned, so the rows returned are exactly the ones written.
 */

/** D1 binds at most 100 parameters per statement. */
const maxBoundParameters = 100;

/**
 * Every engram column but rowid and the seed's `embedding`, as stored. The runtime never writes that
 * column (vectors live in engram_vectors), and an import leaves it as it is.
 */
export type RestoredEngram = Required<Omit<Insertable<EngramsTable>, "embedding">>;
export type RestoredAgentState = Required<Insertable<AgentStateTable>>;
export type RestoredContact = Required<Insertable<ContactsTable>>;

/** An engram's vector from a backup, as engram_vectors stores it (worker/memory/vector-codec.ts). */
export interface RestoredVector {
  model: string;
  dims: number;
  bits: Uint8Array;
  q8: Uint8Array;
  scale: number;
}

/** Every column a restored engram row holds but its key. */
const engramValueColumns = engramColumns.filter(
  (column): column is Exclude<(typeof engramColumns)[number], "id"> => column !== "id",
) satisfies readonly (keyof RestoredEngram)[];

/** Empty lists are stored as NULL by a store without lists and as '[]' by others: the same value. */
const listColumns = new Set<string>(["epistemic_truths", "core_concepts"]);

/** Inserts or updates engrams by id (triggers keep their full-text entries and vector rows); returns the ids written. */
export function upsertEngramsQueries(db: Db, rows: readonly RestoredEngram[]) {
  return chunks(rows, 1 + engramValueColumns.length).map((some) =>
    db
      .insertInto("engrams")
      .values(some)
      .onConflict((conflict) =>
        conflict
          .column("id")
          .doUpdateSet((eb) =>
            Object.fromEntries(engramValueColumns.map((column) => [column, eb.ref(`excluded.${column}`)])),
          )
          .where((eb) =>
            eb.or(
              engramValueColumns.map((column) =>
                listColumns.has(column)
                  ? eb(
                      eb.fn.coalesce(`engrams.${column}`, sql.lit("[]")),
                      "is not",
                      eb.fn.coalesce(`excluded.${column}`, sql.lit("[]")),
                    )
                  : eb(`engrams.${column}`, "is not", eb.ref(`excluded.${column}`)),
              ),
            ),
          ),
      )
      .returning("id"),
  );
}

/** The stored text and vector model of the engrams that exist among `ids`. */
export function storedEngramsQueries(db: Db, ids: readonly string[]) {
  const statements = [];
  for (let start = 0; start < ids.length; start += maxRowidsPerStatement) {
    statements.push(
      db
        .selectFrom("engrams as e")
        .leftJoin("engram_vectors as v", "v.engram_rowid", "e.rowid")
        .select(["e.id as id", "e.text as text", "v.model as model"])
        .where("e.id", "in", ids.slice(start, start + maxRowidsPerStatement)),
    );
  }
  return statements;
}

/** Inserts or updates agent states by agent; returns the agents written. */
export function upsertAgentStatesQueries(db: Db, rows: readonly RestoredAgentState[]) {
  const columns = ["uv_16d", "coherence", "last_sync"] as const;
  return chunks(rows, 1 + columns.length).map((some) =>
    db
      .insertInto("agent_state")
      .values(some)
      .onConflict((conflict) =>
        conflict
          .column("agent")
          .doUpdateSet((eb) => Object.fromEntries(columns.map((column) => [column, eb.ref(`excluded.${column}`)])))
          .where((eb) =>
            eb.or(columns.map((column) => eb(`agent_state.${column}`, "is not", eb.ref(`excluded.${column}`)))),
          ),
      )
      .returning("agent"),
  );
}

/** Inserts or updates contact messages by id; returns the ids written. */
export function upsertContactsQueries(db: Db, rows: readonly RestoredContact[]) {
  const columns = ["from_agent", "from_name", "reply_to", "subject", "message", "received_at"] as const;
  return chunks(rows, 1 + columns.length).map((some) =>
    db
      .insertInto("contacts")
      .values(some)
      .onConflict((conflict) =>
        conflict
          .column("id")
          .doUpdateSet((eb) => Object.fromEntries(columns.map((column) => [column, eb.ref(`excluded.${column}`)])))
          .where((eb) =>
            eb.or(columns.map((column) => eb(`contacts.${column}`, "is not", eb.ref(`excluded.${column}`)))),
          ),
      )
      .returning("id"),
  );
}

/** Rows cut into groups whose parameters fit one statement. */
function chunks<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.floor(maxBoundParameters / parametersPerRow);
  const groups: T[][] = [];
  for (let start = 0; start < rows.length; start += size) groups.push(rows.slice(start, start + size));
  return groups;
}
