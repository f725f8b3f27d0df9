import type { ExecutionContext } from "@cloudflare/workers-types/index";
import { agentId } from "../agent";
import { InvalidConversationInput } from "../conversations/conversation-errors";
import { findConversation } from "../conversations/conversation-store";
import { runBatch } from "../db/batch";
import { expireConversationsQueries } from "../db/conversation-queries";
import { createDb, type Db } from "../db/database";
import { temporaryCutoff } from "../conversations/retention";
import type { Env } from "../env";
import { toHttpError } from "../http/error-mapper";
import { generateWithFallback, NoProviderAnswered } from "../llm/fallback";
import type { ChatMessage, ProviderName, Usage } from "../llm/provider";
import { attemptsFor, isConfigured, isProviderName, type Attempt } from "../llm/registry";
import { logFailure, type LogContext } from "../log";
import { forgetMemories, rememberExchange } from "../memory/memory-service";
import { engramLimits } from "../schemas/engram";
import type { ChatInput } from "../schemas/chat";
import { loadAgentState } from "../state/agent-state";
import { buildPrompt } from "./prompt";
import { recallForMessage } from "./recall";
import { makeTitle, titlesEnabled } from "./title";
import { beginTurn, endTurn, type BegunTurn, type TurnOutcome } from "./turn";

/** Longest answer asked of a model. */
export const maxReplyTokens = 1_024;

export interface PreparedChat {
  attempts: Attempt[];
  prompt: ChatMessage[];
  sessionId: string;
  memoryIds: string[];
  /** The id the exchange will be stored under, known before the answer (null: nothing will be remembered). */
  engramId: string | null;
  message: string;
  /** The stored turn: the question's and the answer's message ids, the conversation's switches. */
  turn: BegunTurn;
  /** Where the request came from, for the log line of a failure after the answer. */
  log: LogContext;
  env: Env;
  ctx: ExecutionContext;
}

export interface ChatReply {
  reply: string;
  provider: string;
  model: string;
  usage: Usage;
  finish: string;
}

/**
 * Everything before the model call. The question and the answer's row are written to D1 first (and
 * the session cache to KV), so a failed call loses nothing and a retry stores nothing twice.
 */
export async function prepareChat(
  env: Env,
  ctx: ExecutionContext,
  input: ChatInput,
  log: LogContext,
): Promise<PreparedChat> {
  if (input.provider !== undefined && !isConfigured(env, input.provider)) {
    throw new InvalidConversationInput("provider", `${input.provider} is not configured on this worker`);
  }
  const db = createDb(env.DB);
  const agent = agentId(env);
  const sessionId = input.session_id ?? crypto.randomUUID();
  const existing = await findConversation(db, agent, sessionId);
  const attempts = attemptsFor(env, modelPicked(env, input, existing));
  if (attempts.length === 0) throw new NoProviderAnswered([]);

  // Temporary chats end with their session's lifetime; each new conversation sweeps the ended ones
  // (the daily upkeep does too, where the cron runs).
  if (!existing) ctx.waitUntil(expireTemporaryQuietly(env, db, log));
  const turn = await beginTurn(env, db, agent, sessionId, existing, input, {
    provider: attempts[0]!.provider.name,
    model: attempts[0]!.model,
  });
  // A temporary chat reads no memory and writes none.
  const [memories, state] = await Promise.all([
    turn.conversation.temporary ? Promise.resolve([]) : recallForMessage(env, ctx, agent, turn.message),
    loadAgentState(db, agent),
  ]);
  const prompt = buildPrompt({
    agentName: env.AGENT_NAME,
    state,
    memories,
    history: turn.history,
    message: turn.message,
  });
  const remembers = turn.conversation.remember && !turn.conversation.temporary;
  return {
    attempts,
    prompt,
    sessionId,
    memoryIds: memories.map((memory) => memory.id),
    engramId: remembers ? crypto.randomUUID() : null,
    message: turn.message,
    turn,
    log,
    env,
    ctx,
  };
}

/**
 * The model the request picked, else the one picked for the conversation before (while the worker
 * still has that provider).
 */
function modelPicked(
  env: Env,
  input: ChatInput,
  existing: { provider: string | null; model: string | null } | undefined,
): { provider?: ProviderName; model?: string } {
  if (input.provider !== undefined) return { provider: input.provider, ...(input.model && { model: input.model }) };
  if (input.model !== undefined) return { model: input.model };
  const stored = existing?.provider;
  if (stored && isProviderName(stored) && isConfigured(env, stored)) {
    return { provider: stored, ...(existing?.model && { model: existing.model }) };
  }
  return {};
}

/**
 * The answer in one piece, from the first provider that gives one. A failure is recorded on the
 * answer's row (and mapped where errors are) before it is thrown on.
 */
export async function generateReply(chat: PreparedChat, signal?: AbortSignal): Promise<ChatReply> {
  try {
    const answer = await generateWithFallback(chat.attempts, {
      messages: chat.prompt,
      maxTokens: maxReplyTokens,
      ...(signal && { signal }),
    });
    return {
      reply: answer.text,
      provider: answer.provider,
      model: answer.model,
      usage: answer.usage,
      finish: "stop",
    };
  } catch (error) {
    const mapped = toHttpError(error);
    await endChat(chat, {
      status: signal?.aborted ? "stopped" : "failed",
      content: "",
      error: { code: mapped.code, message: mapped.message },
    });
    throw error;
  }
}

/** A whole answer: stored, cached, remembered (see endChat). */
export async function finishChat(env: Env, ctx: ExecutionContext, chat: PreparedChat, reply: string | ChatReply) {
  const answer = typeof reply === "string" ? { reply } : reply;
  await endChat(
    { ...chat, env, ctx },
    {
      status: "complete",
      content: answer.reply,
      ...("provider" in answer && {
        provider: answer.provider,
        model: answer.model,
        usage: answer.usage,
        finish: answer.finish,
      }),
    },
  );
}

/**
 * How the answer ended, written to its row and the session cache. A whole answer also becomes a
 * memory, unless the conversation is temporary or not to be remembered: the exchange (the user's
 * words and the reply, never the prompt or the recalled memories) as one engram, written without
 * delaying the response (embedded, merged into a near-duplicate, enriched: worker/memory/memory-service.ts).
 * It takes the place of the memories of the versions it replaced (a regenerated answer, an edited
 * question), so the memory holds each exchange once. A partial answer makes no memory.
 */
export async function endChat(chat: PreparedChat, outcome: TurnOutcome): Promise<void> {
  const { env, ctx } = chat;
  const db = createDb(env.DB);
  const agent = agentId(env);
  const remembered = outcome.status === "complete" && outcome.content !== "" && chat.engramId !== null;
  await endTurn(env, db, agent, chat.turn, { ...outcome, ...(remembered && { engramId: chat.engramId! }) });
  if (remembered) {
    const text = `User: ${chat.message}\n${env.AGENT_NAME}: ${outcome.content}`.slice(0, engramLimits.textChars);
    ctx.waitUntil(
      rememberExchange(env, { id: chat.engramId!, agent, context_id: chat.sessionId, text })
        .then(() => forgetMemories(env, ctx, chat.turn.replacedEngramIds))
        .catch((error: unknown) => logFailure("chat_engram_failed", error, chat.log)),
    );
  }
  if (outcome.status === "complete" && titlesEnabled(env) && !chat.turn.conversation.titled) {
    if (!chat.turn.conversation.temporary && chat.turn.history.length < 4) {
      ctx.waitUntil(
        makeTitle(env, db, agent, chat, outcome.content).catch((error: unknown) =>
          logFailure("chat_title_failed", error, chat.log),
        ),
      );
    }
  }
}

async function expireTemporaryQuietly(env: Env, db: Db, log: LogContext): Promise<void> {
  await runBatch(env.DB, expireConversationsQueries(db, temporaryCutoff(env), true)).catch((error: unknown) =>
    logFailure("conversation_expiry_failed", error, log),
  );
}

