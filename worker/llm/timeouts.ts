import type { Env } from "../env";

/** How long one vendor call may take before the next provider is tried (LLM_TIMEOUT_SECONDS, default 60). */
export function requestTimeoutMs(env: Pick<Env, "LLM_TIMEOUT_SECONDS">): number {
  const seconds = Number(env.LLM_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 600) * 1000 : 60_000;
}
