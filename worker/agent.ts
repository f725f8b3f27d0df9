import type { Env } from "./env";

/** The agent this deployment serves; the prototype's fallback name when none is configured. */
export function agentId(env: Pick<Env, "AGENT_ID">): string {
  return env.AGENT_ID?.trim() || "default_agent";
}
