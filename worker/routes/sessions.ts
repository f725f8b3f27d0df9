import { notFound } from "../http/http-error";
import { json } from "../http/json";
import { pathParam, queryInt, queryParam } from "../http/params";
import type { AppRequest, AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { sessionIdSchema } from "../schemas/session";
import { deleteAllSessions, deleteSession, getSession, listSessions } from "../sessions/session-store";

export function sessionRoutes(router: AppRouter): void {
  router.get("/api/sessions", async (request, env) => {
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 20 });
    const cursor = queryParam(request, "cursor");
    return json(await listSessions(env, { limit, ...(cursor !== undefined && { cursor }) }));
  });

  router.delete("/api/sessions", async (_request, env) => json({ deleted: await deleteAllSessions(env) }));

  router.get("/api/sessions/:id", async (request, env) => {
    const session = await getSession(env, sessionId(request));
    if (!session) throw notFound("session");
    return json(session);
  });

  router.delete("/api/sessions/:id", async (request, env) => {
    const id = sessionId(request);
    if (!(await deleteSession(env, id))) throw notFound("session");
    return json({ deleted: true, id });
  });
}

function sessionId(request: AppRequest): string {
  return parseInput(sessionIdSchema, pathParam(request, "id"), "id");
}
