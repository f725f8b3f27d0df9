import { agentId } from "../agent";
import { createDb } from "../db/database";
import type { Env } from "../env";
import { logFailure, scheduledContext } from "../log";
import { loadAgentState } from "../state/agent-state";
import { runtimeVersion } from "../version";
import { heartbeatPayload, roundedCoherence, telemetryPayload } from "./payloads";

export interface Delivery {
  destination: "heartbeat" | "telemetry";
  status: number | "failed";
}

/** POSTs a payload already checked against its strict schema; a failure is logged without content. */
async function post(url: string, body: unknown, token?: string): Promise<number | "failed"> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    await response.body?.cancel();
    return response.status;
  } catch {
    return "failed";
  }
}

/**
 * The daily cron: only what the owner opted into leaves the account. The listing's heartbeat sends
 * the agent id and the public coherence (null unless sharing is on); telemetry sends the runtime
 * version and the coherence rounded to 0.1, with no identifier. Nothing is sent when both are off.
 */
export async function sendOptedInReports(env: Env): Promise<Delivery[]> {
  const listing = env.YELLOW_PAGES === "true" && env.REGISTRY_URL && env.REGISTRY_TOKEN;
  const telemetry = env.TELEMETRY === "true" && env.TELEMETRY_URL;
  if (!listing && !telemetry) return [];

  const { coherence } = await loadAgentState(createDb(env.DB), agentId(env));
  const deliveries: Delivery[] = [];
  if (listing) {
    const body = heartbeatPayload.parse({
      agent_id: agentId(env),
      uv_public: { coherence: env.SHARE_COHERENCE === "true" ? coherence : null },
    });
    const url = `${env.REGISTRY_URL!.replace(/\/+$/, "")}/heartbeat`;
    deliveries.push({ destination: "heartbeat", status: await post(url, body, env.REGISTRY_TOKEN) });
  }
  if (telemetry) {
    const body = telemetryPayload.parse({ runtime_version: runtimeVersion, coherence: roundedCoherence(coherence) });
    deliveries.push({ destination: "telemetry", status: await post(env.TELEMETRY_URL!, body) });
  }
  for (const delivery of deliveries) {
    if (delivery.status === "failed") {
      logFailure(`${delivery.destination}_delivery_failed`, "NetworkError", scheduledContext);
    } else if (delivery.status >= 400) {
      logFailure(`${delivery.destination}_delivery_failed`, "HttpStatus", scheduledContext, delivery.status);
    }
  }
  return deliveries;
}
