import { agentId } from "../agent";
import { createDb } from "../db/database";
import { createEngram, deleteEngram, getEngram, listEngrams, touchEngrams, updateEngram } from "../db/engram-queries";
import { searchEngrams } from "../db/engram-search";
import { decodeCursor, paginate } from "../http/cursor";
import { notFound } from "../http/http-error";
import { json, readJsonBody } from "../http/json";
import { pathParam, queryInt, queryParam } from "../http/params";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { memoryView } from "../memory/engram-view";
import { ftsMatchExpression } from "../memory/fts-query";
import { agentName } from "../schemas/common";
import { createEngramSchema, engramLimits, patchEngramSchema, searchEngramsSchema } from "../schemas/engram";

export function memoryRoutes(router: AppRouter): void {
  router.post("/api/memories", async (request, env) => {
    const input = parseInput(createEngramSchema, await readJsonBody(request));
    const row = await createEngram(createDb(env.DB), { ...input, agent: agentId(env) });
    return json(memoryView(row), 201);
  });

  router.get("/api/memories", async (request, env) => {
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 20 });
    const cursor = queryParam(request, "cursor");
    const contextId = queryParam(request, "context_id", engramLimits.contextIdChars);
    const agent = queryParam(request, "agent");
    const rows = await listEngrams(createDb(env.DB), {
      agent: agent === undefined ? agentId(env) : parseInput(agentName, agent, "agent"),
      ...(contextId !== undefined && { contextId }),
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
      limit,
    });
    const { page, nextCursor } = paginate(rows, limit, (row) =>
      row.created_at === null ? undefined : { at: row.created_at, id: row.id },
    );
    return json({ memories: page.map(memoryView), next_cursor: nextCursor });
  });

  router.post("/api/memories/search", async (request, env) => {
    const input = parseInput(searchEngramsSchema, await readJsonBody(request));
    const match = ftsMatchExpression(input.query);
    if (match === undefined) return json({ results: [] });
    const db = createDb(env.DB);
    const rows = await searchEngrams(db, {
      match,
      agent: input.agent ?? agentId(env),
      ...(input.context_id !== undefined && { contextId: input.context_id }),
      limit: input.limit ?? 10,
    });
    await touchEngrams(
      db,
      rows.map((row) => row.id),
    );
    return json({ results: rows.map((row) => ({ ...memoryView(row), score: row.score })) });
  });

  router.get("/api/memories/:id", async (request, env) => {
    const row = await getEngram(createDb(env.DB), pathParam(request, "id"));
    if (!row) throw notFound("memory");
    return json(memoryView(row));
  });

  router.patch("/api/memories/:id", async (request, env) => {
    const id = pathParam(request, "id");
    const changes = parseInput(patchEngramSchema, await readJsonBody(request));
    const row = await updateEngram(createDb(env.DB), id, changes);
    if (!row) throw notFound("memory");
    return json(memoryView(row));
  });

  router.delete("/api/memories/:id", async (request, env) => {
    const id = pathParam(request, "id");
    if (!(await deleteEngram(createDb(env.DB), id))) throw notFound("memory");
    return json({ deleted: true, id });
  });
}
