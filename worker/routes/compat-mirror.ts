import {
  mirrorDefaultVibe,
  mirrorRecentEngram,
  mirrorSearchResult,
  relativeSimilarities,
} from "../compat/mirror-shapes";
import { createDb } from "../db/database";
import { countEngramsByAgent, recentEngrams, touchEngrams, upsertEngramByContext } from "../db/engram-queries";
import { searchEngrams } from "../db/engram-search";
import { json, readJsonBody } from "../http/json";
import { pathParam, queryInt } from "../http/params";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { ftsMatchExpression } from "../memory/fts-query";
import { agentName } from "../schemas/common";
import { mirrorSearchSchema, mirrorStoreSchema } from "../schemas/compat-mirror";

/** The Mirror memory API's routes and shapes, on this runtime's storage. */
export function mirrorCompatRoutes(router: AppRouter): void {
  router.post("/store", async (request, env) => {
    const input = parseInput(mirrorStoreSchema, await readJsonBody(request));
    const { merged } = await upsertEngramByContext(createDb(env.DB), env.DB, {
      agent: input.agent,
      context_id: input.context_id,
      text: input.text,
      epistemic_truths: input.epistemic_truths ?? [],
      core_concepts: input.core_concepts ?? [],
      affective_vibe: input.affective_vibe ?? mirrorDefaultVibe,
    });
    return json({ status: "success", context_id: input.context_id, agent: input.agent, merged });
  });

  router.post("/search", async (request, env) => {
    const input = parseInput(mirrorSearchSchema, await readJsonBody(request));
    const match = ftsMatchExpression(input.query);
    if (match === undefined) return json([]);
    const db = createDb(env.DB);
    const rows = await searchEngrams(db, {
      match,
      ...(input.agent_filter != null && { agent: input.agent_filter }),
      limit: input.top_k ?? 5,
    });
    const threshold = input.threshold ?? 0.5;
    const similarities = relativeSimilarities(rows.map((row) => row.score));
    const results = rows
      .map((row, index) => mirrorSearchResult(row, similarities[index]!))
      .filter((result) => result.similarity >= threshold);
    await touchEngrams(
      db,
      results.map((result) => result.id),
    );
    return json(results);
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
