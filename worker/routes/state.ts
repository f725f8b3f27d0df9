import { agentId } from "../agent";
import { createDb } from "../db/database";
import { json, readJsonBody } from "../http/json";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { patchUv16dSchema, uv16dSchema } from "../schemas/state";
import { changeAgentState, loadAgentState, storeAgentState } from "../state/agent-state";

export function stateRoutes(router: AppRouter): void {
  router.get("/api/state", async (_request, env) => json(await loadAgentState(createDb(env.DB), agentId(env))));

  router.put("/api/state", async (request, env) => {
    const uv = parseInput(uv16dSchema, await readJsonBody(request));
    return json(await storeAgentState(createDb(env.DB), agentId(env), uv));
  });

  router.patch("/api/state", async (request, env) => {
    const patch = parseInput(patchUv16dSchema, await readJsonBody(request));
    return json(await changeAgentState(createDb(env.DB), agentId(env), patch));
  });
}
