import type { D1Database } from "@cloudflare/workers-types/index";
import type { Selectable } from "kysely";
import { runBatch } from "./batch";
import { engramColumns } from "./engram-queries";
import type { Db, EngramsTable } from "./database";
import type { ContactRow } from "./contact-queries";
import type { AgentStateRow } from "./state-queries";

export type FullEngramRow = Omit<Selectable<EngramsTable>, "rowid">;

export interface DatabaseContents {
  engrams: FullEngramRow[];
  agentState: AgentStateRow[];
  contacts: ContactRow[];
}

/** Every stored row, embeddings included, oldest first. */
export async function readAllContents(db: Db): Promise<DatabaseContents> {
  const [engrams, agentState, contacts] = await Promise.all([
    db
      .selectFrom("engrams")
      .select([...engramColumns, "embedding"])
      .orderBy("created_at")
      .orderBy("id")
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
}

/**
 * Deletes every row of the runtime's tables in one batch (one transaction), counting first inside
 * the same transaction so the counts are exactly what was deleted. The engrams delete trigger
 * removes each engram's full-text entry; rate-limit counters (hashed caller ids) go too.
 */
export async function eraseAllContents(db: Db, d1: D1Database): Promise<ErasedCounts> {
  const count = (table: "engrams" | "agent_state" | "contacts") =>
    db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("count"));
  const results = await runBatch(d1, [
    count("engrams"),
    count("agent_state"),
    count("contacts"),
    db.deleteFrom("engrams"),
    db.deleteFrom("agent_state"),
    db.deleteFrom("contacts"),
    db.deleteFrom("contact_rate_limits"),
  ]);
  const counted = (index: number) => Number(results[index]?.results[0]?.["count"] ?? 0);
  return { engrams: counted(0), agent_state: counted(1), contacts: counted(2) };
}
