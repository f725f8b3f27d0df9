import { mirrorDefaultVibe, mirrorRecentEngram, mirrorSearchResult } from "../compat/mirror-shapes";
import { createDb } from "../db/database";
import { countEngramsByAgent, recentEngrams } from "../db/engram-queries";
import { json, readJsonBody } from "../http/json";
import { pathParam, queryInt } from "../http/params";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { recallMemory, storeMemory } from "../memory/memory-service";
import { agentName } from "../schemas/common";
import { mirrorSearchSchema, mirrorStoreSchema } from "../schemas/compat-mirror";

/** The Mirror memory API's routes and shapes, on this runtime's storage. */
export function mirrorCompatRoutes(router: AppRouter): void {
  /**
   * As in Mirror: a near-duplicate of one of the agent's engrams merges into it (`merged: true`;
   * here it must be alike in words as well as at cosine 0.92, so no word is lost); otherwise the
   * engram stored under the same agent and context_id is updated (Mirror's upsert) or one is
   * inserted (`merged: false` for both, as Mirror answers).
   */
  router.post("/store", async (request, env, ctx) => {
    const input = parseInput(mirrorStoreSchema, await readJsonBody(request));
    const stored = await storeMemory(
      env,
      ctx,
      {
        agent: input.agent,
        context_id: input.context_id,
        text: input.text,
        epistemic_truths: input.epistemic_truths ?? [],
        core_concepts: input.core_concepts ?? [],
        affective_vibe: input.affective_vibe ?? mirrorDefaultVibe,
      },
      { upsert: true, keepVibe: input.affective_vibe !== undefined, keepImportance: false },
    );
    return json({ status: "success", context_id: input.context_id, agent: input.agent, merged: stored.merged });
  });

  /**
   * Hybrid recall as Mirror's: `threshold` (default 0.5) is the cosine a vector candidate needs;
   * full-text matches always take part in the fusion, whatever their cosine. `similarity` is what
   * Mirror returns: the cosine of an engram the vector list holds, null for one found by full
   * text alone.
   */
  router.post("/search", async (request, env, ctx) => {
    const input = parseInput(mirrorSearchSchema, await readJsonBody(request));
    const { results } = await recallMemory(env, ctx, {
      agent: input.agent_filter ?? null,
      query: input.query,
      limit: input.top_k ?? 5,
      vectorThreshold: input.threshold ?? 0.5,
    });
    return json(
      results.map((row) => ({
        ...mirrorSearchResult(row, 0),
        similarity: row.matched.includes("vector") ? row.similarity : null,
      })),
    );
  });

  router.get("/recent/:agent", async (request, env) => {
    const agent = parseInput(agentName, pathParam(request, "agent"), "agent");
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 10 });
    const rows = await recentEngrams(createDb(env.DB), agent, limit);
    return json({ agent, count: rows.length, engrams: rows.map(mirrorRecentEngram) });
  });

  router.get("/stats", async (_request, env) => {
    const byAgent = await countEngramsByAgent(createDb(env.DB));
    const total = Object.values(byAgent).reduce((sum, count) => sum + count, 0);
    return json({ total_engrams: total, by_agent: byAgent });
  });
}
