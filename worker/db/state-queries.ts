import { sql, type RawBuilder, type Selectable } from "kysely";
import { defaultDimensionValue, innerDimensions, outerDimensions } from "../state/uv16d";
import type { AgentStateTable, Db } from "./database";

export type AgentStateRow = Selectable<AgentStateTable>;

export async function getAgentState(db: Db, agent: string): Promise<AgentStateRow | undefined> {
  return db.selectFrom("agent_state").selectAll().where("agent", "=", agent).executeTakeFirst();
}

/** Inserts or replaces the agent's row in one statement. */
export async function saveAgentState(db: Db, row: AgentStateRow): Promise<AgentStateRow> {
  return db
    .insertInto("agent_state")
    .values(row)
    .onConflict((conflict) =>
      conflict.column("agent").doUpdateSet((eb) => ({
        uv_16d: eb.ref("excluded.uv_16d"),
        coherence: eb.ref("excluded.coherence"),
        last_sync: eb.ref("excluded.last_sync"),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Dimensions to set, by octave; the others keep their stored value. */
export interface DimensionChanges {
  inner: Partial<Record<(typeof innerDimensions)[number], number>>;
  outer: Partial<Record<(typeof outerDimensions)[number], number>>;
}

/**
 * Changes some dimensions of the agent's state in one statement, which reads the stored state and
 * writes the merge (with its coherence) at once: concurrent changes of different dimensions all
 * land, none overwrites another with what it read before. A stored value that is missing, not a
 * number or out of [0, 1] reads as the default, as parseStoredUv16d reads it. Numbers go in and out
 * as JSON text (`json(?)`, `->`): SQLite's own rendering of a REAL keeps 15 digits, which would
 * change a value in its last digits.
 */
export async function mergeAgentState(
  db: Db,
  agent: string,
  changes: DimensionChanges,
  lastSync: string,
): Promise<AgentStateRow> {
  const dimension = (octave: "inner" | "outer", name: string, value: number | undefined): RawBuilder<unknown> => {
    const path = `$.${octave}.${name}`;
    if (value !== undefined) return sql`${sql.lit(name)}, json(${JSON.stringify(value)})`;
    return sql`${sql.lit(name)}, json(CASE
      WHEN json_type(current, ${sql.lit(path)}) IN ('integer', 'real') AND (current ->> ${sql.lit(path)}) BETWEEN 0 AND 1
      THEN current -> ${sql.lit(path)} ELSE ${sql.lit(String(defaultDimensionValue))} END)`;
  };
  const octave = (name: "inner" | "outer", keys: readonly string[], values: Record<string, number | undefined>) =>
    sql`json_object(${sql.join(keys.map((key) => dimension(name, key, values[key])))})`;
  const value = (name: string) => sql`(merged ->> ${sql.lit(`$.inner.${name}`)})`;
  // The reference formula, as worker/state/uv16d.ts computes it, in the same order of operations.
  const coherence = sql`(${value("p")} + ${value("e")} + 1.2 * ${value("mu")} + 1.2 * ${value("v")} + ${value("n")} + ${value("delta")} + ${value("r")} + ${value("phi")}) / 8.4`;
  const result = await sql<AgentStateRow>`
    INSERT INTO agent_state (agent, uv_16d, coherence, last_sync)
    SELECT ${agent}, merged, ${coherence}, ${lastSync}
    FROM (
      SELECT json_object(
        'inner', ${octave("inner", innerDimensions, changes.inner)},
        'outer', ${octave("outer", outerDimensions, changes.outer)}
      ) AS merged
      FROM (SELECT (SELECT CASE WHEN json_valid(uv_16d) THEN uv_16d END FROM agent_state WHERE agent = ${agent}) AS current)
    )
    WHERE true
    ON CONFLICT (agent) DO UPDATE SET
      uv_16d = excluded.uv_16d, coherence = excluded.coherence, last_sync = excluded.last_sync
    RETURNING agent, uv_16d, coherence, last_sync`.execute(db);
  return result.rows[0]!;
}
