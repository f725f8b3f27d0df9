import type { Db } from "../db/database";
import { getAgentState, mergeAgentState, saveAgentState, type DimensionChanges } from "../db/state-queries";
import { nowTimestamp, toIso } from "../db/timestamps";
import { defaultUv16d, metrics, parseStoredUv16d, type Uv16d, type Uv16dMetrics } from "./uv16d";

export interface AgentStateView extends Uv16dMetrics {
  agent: string;
  uv_16d: Uv16d;
  /** ISO 8601; null while the agent still has the default state (no row yet). */
  last_sync: string | null;
}

/** The agent's state, or the defaults (0.5 everywhere) when none was stored yet. */
export async function loadAgentState(db: Db, agent: string): Promise<AgentStateView> {
  const row = await getAgentState(db, agent);
  const uv = row ? parseStoredUv16d(row.uv_16d) : defaultUv16d();
  return view(agent, uv, row?.last_sync ?? null);
}

/** Stores a full state with its coherence and a new last_sync. */
export async function storeAgentState(db: Db, agent: string, uv: Uv16d): Promise<AgentStateView> {
  const row = await saveAgentState(db, {
    agent,
    uv_16d: JSON.stringify(uv),
    coherence: metrics(uv).coherence,
    last_sync: nowTimestamp(),
  });
  return view(agent, uv, row.last_sync);
}

/**
 * Changes the given dimensions, keeping the others as stored, atomically (one statement): two
 * concurrent changes of different dimensions both land.
 */
export async function changeAgentState(
  db: Db,
  agent: string,
  changes: Partial<DimensionChanges>,
): Promise<AgentStateView> {
  const row = await mergeAgentState(
    db,
    agent,
    { inner: changes.inner ?? {}, outer: changes.outer ?? {} },
    nowTimestamp(),
  );
  return view(agent, parseStoredUv16d(row.uv_16d), row.last_sync);
}

function view(agent: string, uv: Uv16d, lastSync: string | null): AgentStateView {
  return { agent, uv_16d: uv, ...metrics(uv), last_sync: toIso(lastSync) };
}
