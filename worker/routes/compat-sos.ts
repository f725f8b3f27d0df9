import { agentId } from "../agent";
import { sosAgentState, sosEngramRow } from "../compat/sos-shapes";
import { createDb } from "../db/database";
import { recentEngrams } from "../db/engram-queries";
import { json, readJsonBody } from "../http/json";
import { logContext } from "../http/request-log";
import { queryInt } from "../http/params";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { recallMemory, storeMemory } from "../memory/memory-service";
import { finishChat, generateReply, prepareChat } from "../chat/run-chat";
import { sosChatSchema } from "../schemas/chat";
import { sosSearchSchema, sosStoreSchema } from "../schemas/compat-sos";
import { flatUv16dSchema } from "../schemas/state";
import { changeAgentState, loadAgentState } from "../state/agent-state";
import { innerDimensions, outerDimensions } from "../state/uv16d";

/** The SOS prototype worker's routes and `{success, ...}` envelopes, on this runtime's storage. */
export function sosCompatRoutes(router: AppRouter): void {
  router.get("/health", (_request, env) =>
    json({ status: "ok", agent: agentId(env), runtime: "sos-cloudflare", local_first: true }),
  );

  /** A near-duplicate merges into the engram already stored: `id` is then that engram's. */
  router.post("/memory/store", async (request, env, ctx) => {
    const input = parseInput(sosStoreSchema, await readJsonBody(request));
    const stored = await storeMemory(
      env,
      ctx,
      {
        agent: agentId(env),
        text: input.text,
        context_id: input.context_id ?? `ctx_${Date.now()}`,
        epistemic_truths: input.tags ?? [],
        core_concepts: input.concepts ?? [],
        affective_vibe: input.vibe ?? "Neutral",
        importance: input.importance ?? 0.5,
      },
      { keepVibe: input.vibe !== undefined, keepImportance: input.importance !== undefined },
    );
    return json({ success: true, id: stored.row.id, context_id: stored.row.context_id });
  });

  router.post("/memory/search", async (request, env, ctx) => {
    const input = parseInput(sosSearchSchema, await readJsonBody(request));
    const { results } = await recallMemory(env, ctx, {
      agent: agentId(env),
      query: input.query,
      limit: input.limit ?? 5,
    });
    return json({ success: true, results: results.map(sosEngramRow) });
  });

  router.get("/memory/recent", async (request, env) => {
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 10 });
    const rows = await recentEngrams(createDb(env.DB), agentId(env), limit);
    return json({ success: true, results: rows.map(sosEngramRow) });
  });

  router.get("/agent/state", async (_request, env) => {
    const state = await loadAgentState(createDb(env.DB), agentId(env));
    return json({ success: true, state: sosAgentState(state.agent, state.uv_16d, state.last_sync) });
  });

  // The prototype took the inner octave flat ({p, e, mu, ...}); the outer octave is accepted the same way.
  router.post("/agent/update", async (request, env) => {
    const flat = parseInput(flatUv16dSchema, await readJsonBody(request));
    const inner = Object.fromEntries(innerDimensions.map((d) => [d, flat[d]]));
    const outer = Object.fromEntries(outerDimensions.map((d) => [d, flat[d]]));
    const saved = await changeAgentState(createDb(env.DB), agentId(env), { inner, outer });
    return json({ success: true, coherence: saved.coherence });
  });

  /** The prototype's chat had no sessions: its turns share one session of their own. */
  router.post("/chat", async (request, env, ctx) => {
    const input = parseInput(sosChatSchema, await readJsonBody(request));
    const chat = await prepareChat(
      env,
      ctx,
      { message: input.message, model: input.model, session_id: "sos-prototype-chat" },
      logContext(request),
    );
    const answer = await generateReply(chat);
    await finishChat(env, ctx, chat, answer.reply);
    const state = await loadAgentState(createDb(env.DB), agentId(env));
    return json({ success: true, response: answer.reply, agent: agentId(env), coherence: state.coherence });
  });
}
