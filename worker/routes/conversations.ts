import { agentId } from "../agent";
import {
  deleteConversation,
  listConversations,
  readConversation,
  searchConversations,
  updateConversation,
  type ConversationPage,
} from "../conversations/conversation-store";
import { createDb } from "../db/database";
import { decodeCursor, encodeCursor } from "../http/cursor";
import { notFound } from "../http/http-error";
import { json, readJsonBody } from "../http/json";
import { pathParam, queryInt, queryParam } from "../http/params";
import type { AppRequest, AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { conversationLimits, conversationPatchSchema } from "../schemas/conversation";
import { sessionIdSchema } from "../schemas/session";

/** Conversations in D1: listed (pinned, then recent) or searched, read with their path, renamed, deleted. */
export function conversationRoutes(router: AppRouter): void {
  router.get("/api/conversations", async (request, env) => {
    const db = createDb(env.DB);
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 20 });
    const query = queryParam(request, "q", conversationLimits.queryChars)?.trim();
    if (query) return json(pageView(await searchConversations(db, agentId(env), query, limit)));
    const cursor = queryParam(request, "cursor");
    const after = cursor === undefined ? {} : { after: decodeCursor(cursor) };
    return json(pageView(await listConversations(db, agentId(env), { limit, ...after })));
  });

  router.get("/api/conversations/:id", async (request, env) =>
    json(await readConversation(createDb(env.DB), agentId(env), conversationId(request))),
  );

  router.patch("/api/conversations/:id", async (request, env) => {
    const id = conversationId(request);
    const patch = parseInput(conversationPatchSchema, await readJsonBody(request));
    return json(await updateConversation(createDb(env.DB), agentId(env), id, patch));
  });

  router.delete("/api/conversations/:id", async (request, env) => {
    const id = conversationId(request);
    if (!(await deleteConversation(env, createDb(env.DB), agentId(env), id))) throw notFound("conversation");
    return json({ deleted: true, id });
  });
}

function conversationId(request: AppRequest): string {
  return parseInput(sessionIdSchema, pathParam(request, "id"), "id");
}

/** A page as the API answers it: the next page's position as an opaque cursor. */
function pageView({ conversations, next }: ConversationPage) {
  return { conversations, next_cursor: next ? encodeCursor(next) : null };
}
