import { agentId } from "../agent";
import { createDb } from "../db/database";
import { json, readJsonBody } from "../http/json";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { patchUv16dSchema, uv16dSchema } from "../schemas/state";
import { loadAgentState, storeAgentState } from "../state/agent-state";
import { mergeUv16d } from "../state/uv16d";

export function stateRoutes(router: AppRouter): void {
  router.get("/api/state", async (_request, env) => json(await loadAgentState(createDb(env.DB), agentId(env))));

  router.put("/api/state", async (request, env) => {
    const uv = parseInput(uv16dSchema, await readJsonBody(request));
    return json(await storeAgentState(createDb(env.DB), agentId(env), uv));
  });

  router.patch("/api/state", async (request, env) => {
    const patch = parseInput(patchUv16dSchema, await readJsonBody(request));
    const db = createDb(env.DB);
    const current = await loadAgentState(db, agentId(env));
    return json(await storeAgentState(db, agentId(env), mergeUv16d(current.uv_16d, patch)));
  });
}
