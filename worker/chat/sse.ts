import type { ExecutionContext } from "@cloudflare/workers-types/index";
import type { Env } from "../env";
import { NoProviderAnswered, streamWithFallback, type Answered } from "../llm/fallback";
import { ProviderError } from "../llm/provider";
import { requestTimeoutMs } from "../llm/timeouts";
import type { Usage } from "../llm/provider";
import { finishChat, maxReplyTokens, providerFailure, type PreparedChat } from "./run-chat";

/** How often a silent stream sends a comment line. */
const keepAliveMs = 2_000;

/** One server-sent event. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The chat answer as server-sent events: `token` events as the model produces them, then `done`
 * (provider, model, recalled memory ids, the new engram id, usage), or `error`. A client that goes
 * away cancels the body, which aborts the upstream call.
 */
export function chatEventStream(
  env: Env,
  ctx: ExecutionContext,
  chat: PreparedChat,
  clientGone: AbortSignal,
): Response {
  const abort = new AbortController();
  // The client's disconnect (request.signal, with the enable_request_signal flag) or a cancelled body.
  clientGone.addEventListener("abort", () => abort.abort(), { once: true });
  const encoder = new TextEncoder();
  const events = (async function* (): AsyncGenerator<string> {
    let answered: Answered | undefined;
    let reply = "";
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    try {
      const tokens = streamWithFallback(
        chat.attempts,
        { messages: chat.prompt, maxTokens: maxReplyTokens, signal: abort.signal },
        (who) => (answered = who),
        requestTimeoutMs(env),
      );
      for await (const event of tokens) {
        if (event.type === "token") {
          reply += event.text;
          yield sseEvent("token", { text: event.text });
        } else {
          usage = event.usage;
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      // After the first token a failure is the answering provider's own.
      const failure = providerFailure(error instanceof ProviderError ? new NoProviderAnswered([error]) : error);
      if (reply !== "") await finishChat(env, ctx, chat, reply);
      yield sseEvent("error", { code: failure.code, message: failure.message, session_id: chat.sessionId });
      return;
    }
    await finishChat(env, ctx, chat, reply);
    yield sseEvent("done", {
      session_id: chat.sessionId,
      provider: answered?.provider,
      model: answered?.model,
      memories: chat.memoryIds,
      engram_id: chat.engramId,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    });
  })();

  // While the model is silent a comment line goes out every few seconds: workerd only notices a
  // client that went away when it writes, and the abort must reach the model call.
  let pending: Promise<IteratorResult<string>> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pending ??= events.next();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const quiet = new Promise<"quiet">((resolve) => (timer = setTimeout(() => resolve("quiet"), keepAliveMs)));
      const next = await Promise.race([pending, quiet]);
      clearTimeout(timer);
      if (next === "quiet") {
        controller.enqueue(encoder.encode(": keep-alive\n\n"));
        return;
      }
      pending = undefined;
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      abort.abort();
      await events.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
