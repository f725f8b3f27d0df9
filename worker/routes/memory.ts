import { agentId } from "../agent";
import { createDb } from "../db/database";
import { countEngramsByAgent, getEngram, listEngrams } from "../db/engram-queries";
import { decodeCursor, paginate } from "../http/cursor";
import { notFound } from "../http/http-error";
import { json, readJsonBody } from "../http/json";
import { pathParam, queryInt, queryParam } from "../http/params";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { memoryView } from "../memory/engram-view";
import { editMemory, forgetMemories, recallMemory, storeMemory } from "../memory/memory-service";
import { agentName } from "../schemas/common";
import { createEngramSchema, engramLimits, patchEngramSchema, searchEngramsSchema } from "../schemas/engram";

export function memoryRoutes(router: AppRouter): void {
  /** 201 with the new engram; 200 with the engram it merged into when the text is a near-duplicate. */
  router.post("/api/memories", async (request, env, ctx) => {
    const input = parseInput(createEngramSchema, await readJsonBody(request));
    const stored = await storeMemory(
      env,
      ctx,
      { ...input, agent: agentId(env) },
      { keepVibe: input.affective_vibe !== undefined, keepImportance: input.importance !== undefined },
    );
    return json(memoryView(stored.row), stored.merged ? 200 : 201);
  });

  router.get("/api/memories", async (request, env) => {
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 20 });
    const cursor = queryParam(request, "cursor");
    const contextId = queryParam(request, "context_id", engramLimits.contextIdChars);
    const agent = queryParam(request, "agent");
    const db = createDb(env.DB);
    const owner = agent === undefined ? agentId(env) : parseInput(agentName, agent, "agent");
    const [rows, counts] = await Promise.all([
      listEngrams(db, {
        agent: owner,
        ...(contextId !== undefined && { contextId }),
        ...(cursor !== undefined && { after: decodeCursor(cursor) }),
        limit,
      }),
      // How many the agent holds, for the first page of the unfiltered list (the app's count).
      cursor === undefined && contextId === undefined ? countEngramsByAgent(db) : undefined,
    ]);
    const { page, nextCursor } = paginate(rows, limit, (row) =>
      row.created_at === null ? undefined : { at: row.created_at, id: row.id },
    );
    return json({
      memories: page.map(memoryView),
      next_cursor: nextCursor,
      ...(counts && { total: counts[owner] ?? 0 }),
    });
  });

  /**
   * Hybrid recall (worker/memory/fusion.ts): `score` is the fused score, `similarity` the cosine;
   * `recall` says what it cost (whether the cached vectors were current, D1 rows read).
   */
  router.post("/api/memories/search", async (request, env, ctx) => {
    const input = parseInput(searchEngramsSchema, await readJsonBody(request));
    const { results, trace } = await recallMemory(env, ctx, {
      agent: input.agent ?? agentId(env),
      query: input.query,
      limit: input.limit ?? 10,
      ...(input.context_id !== undefined && { contextId: input.context_id }),
    });
    return json({
      results: results.map((row) => ({ ...memoryView(row), score: row.score, similarity: row.similarity })),
      embedding_model: trace.model,
      recall: { cache: trace.cache, rows_read: trace.rowsRead, round_trips: trace.roundTrips },
    });
  });

  router.get("/api/memories/:id", async (request, env) => {
    const row = await getEngram(createDb(env.DB), pathParam(request, "id"));
    if (!row) throw notFound("memory");
    return json(memoryView(row));
  });

  /** A new text makes the vector stale (a trigger); it is embedded again in the background. */
  router.patch("/api/memories/:id", async (request, env, ctx) => {
    const id = pathParam(request, "id");
    const changes = parseInput(patchEngramSchema, await readJsonBody(request));
    const row = await editMemory(env, ctx, id, changes);
    if (!row) throw notFound("memory");
    return json(memoryView(row));
  });

  router.delete("/api/memories/:id", async (request, env, ctx) => {
    const id = pathParam(request, "id");
    const [deleted] = await forgetMemories(env, ctx, [id]);
    if (!deleted) throw notFound("memory");
    return json({ deleted: true, id });
  });
}
