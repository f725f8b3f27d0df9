import type { ExecutionContext } from "@cloudflare/workers-types/index";
import { agentId } from "../agent";
import { createDb } from "../db/database";
import type { Env } from "../env";
import { badRequest, HttpError } from "../http/http-error";
import { generateWithFallback, NoProviderAnswered } from "../llm/fallback";
import type { ChatMessage, Usage } from "../llm/provider";
import { attemptsFor, isConfigured, type Attempt } from "../llm/registry";
import { rememberExchange } from "../memory/background";
import { engramLimits } from "../schemas/engram";
import type { ChatInput } from "../schemas/chat";
import { appendToSession, getSession } from "../sessions/session-store";
import { loadAgentState } from "../state/agent-state";
import { buildPrompt } from "./prompt";
import { recallForMessage } from "./recall";

/** Longest answer asked of a model. */
export const maxReplyTokens = 1_024;

export interface PreparedChat {
  attempts: Attempt[];
  prompt: ChatMessage[];
  sessionId: string;
  memoryIds: string[];
  /** The id the exchange will be stored under, known before the answer. */
  engramId: string;
  message: string;
}

export interface ChatReply {
  reply: string;
  provider: string;
  model: string;
  usage: Usage;
}

/** How to configure a model, for the "no model" error. */
const noModelHelp =
  "No model provider is configured. Deployed, Workers AI answers by default (sos:llmProvider); " +
  "locally, set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server such as Ollama), " +
  "ANTHROPIC_API_KEY, GEMINI_API_KEY or GROQ_API_KEY and restart `npm start`.";

/**
 * Everything before the model call. The user's message is saved to the session first, so a failed
 * call loses nothing.
 */
export async function prepareChat(env: Env, ctx: ExecutionContext, input: ChatInput): Promise<PreparedChat> {
  if (input.provider !== undefined && !isConfigured(env, input.provider)) {
    throw badRequest("provider", `${input.provider} is not configured on this worker`);
  }
  const attempts = attemptsFor(env, { provider: input.provider, model: input.model });
  if (attempts.length === 0) throw new HttpError(503, "no_model_configured", noModelHelp);

  const sessionId = input.session_id ?? crypto.randomUUID();
  const history = (await getSession(env, sessionId))?.messages ?? [];
  await appendToSession(env, sessionId, { role: "user", content: input.message });

  const db = createDb(env.DB);
  const agent = agentId(env);
  const [memories, state] = await Promise.all([
    recallForMessage(env, ctx, agent, input.message),
    loadAgentState(db, agent),
  ]);
  const prompt = buildPrompt({ agentName: env.AGENT_NAME, state, memories, history, message: input.message });
  return {
    attempts,
    prompt,
    sessionId,
    memoryIds: memories.map((memory) => memory.id),
    engramId: crypto.randomUUID(),
    message: input.message,
  };
}

/** The answer in one piece, from the first provider that gives one. */
export async function generateReply(chat: PreparedChat, signal?: AbortSignal): Promise<ChatReply> {
  try {
    const answer = await generateWithFallback(chat.attempts, {
      messages: chat.prompt,
      maxTokens: maxReplyTokens,
      ...(signal && { signal }),
    });
    return { reply: answer.text, provider: answer.provider, model: answer.model, usage: answer.usage };
  } catch (error) {
    throw providerFailure(error);
  }
}

/**
 * After the answer: the reply joins the session, and the exchange (the user's words and the reply,
 * never the prompt or the recalled memories) becomes one engram, written without delaying the response:
 * embedded, merged into a near-duplicate if there is one, then enriched (worker/memory/background.ts).
 */
export async function finishChat(env: Env, ctx: ExecutionContext, chat: PreparedChat, reply: string): Promise<void> {
  if (reply !== "") await appendToSession(env, chat.sessionId, { role: "assistant", content: reply });
  const text = `User: ${chat.message}\n${env.AGENT_NAME}: ${reply}`.slice(0, engramLimits.textChars);
  ctx.waitUntil(
    rememberExchange(env, { id: chat.engramId, agent: agentId(env), context_id: chat.sessionId, text }).catch(
      (error: unknown) => console.error(JSON.stringify({ event: "chat_engram_failed", error: (error as Error).name })),
    ),
  );
}

/** Why no provider answered, as the HTTP error the client sees (never containing a key). */
export function providerFailure(error: unknown): HttpError {
  if (!(error instanceof NoProviderAnswered)) throw error;
  if (error.failures.length === 0) return new HttpError(503, "no_model_configured", noModelHelp);
  const last = error.failures[error.failures.length - 1]!;
  if (last.kind === "aborted") return new HttpError(499, "client_closed", "The request was cancelled.");
  return new HttpError(502, "provider_error", `The model provider failed: ${error.message}`);
}
