import type { Selectable } from "kysely";
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
