import type { ExecutionContext } from "@cloudflare/workers-types/index";
import type { Env } from "../env";
import { reportError, toHttpError } from "../http/error-mapper";
import { NoProviderAnswered, streamWithFallback, type Answered } from "../llm/fallback";
import { ProviderError, type Usage } from "../llm/provider";
import { requestTimeoutMs } from "../llm/timeouts";
import { logFailure } from "../log";
import { endChat, maxReplyTokens, type PreparedChat } from "./run-chat";
import type { TurnOutcome } from "./turn";

/** How often a silent stream sends a comment line. */
const keepAliveMs = 2_000;

/** One server-sent event. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The chat answer as server-sent events: `start` (the stored question's and answer's message ids),
 * `token` events as the model produces them, then `done` (provider, model, recalled memory ids, the
 * new engram id, usage) only after the model's own finish signal, or `error` whatever failed (mapped
 * and logged as a route's error is), a stream that ended without that signal included: the partial
 * answer is kept, marked `interrupted`. A client that goes away cancels the body, which aborts the
 * upstream call; what was said until then is kept, marked `stopped`.
 */
export function chatEventStream(
  env: Env,
  ctx: ExecutionContext,
  chat: PreparedChat,
  clientGone: AbortSignal,
): Response {
  const abort = new AbortController();
  const encoder = new TextEncoder();
  let answered: Answered | undefined;
  let reply = "";
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };

  // The answer's row is finished once, by whichever comes first: the end of the stream or the client leaving.
  let ended: Promise<void> | undefined;
  const end = (outcome: Omit<TurnOutcome, "content" | "provider" | "model" | "usage">) =>
    (ended ??= endChat(chat, {
      ...outcome,
      content: reply,
      provider: answered?.provider,
      model: answered?.model,
      usage,
    }));
  const stopped = () => {
    abort.abort();
    ctx.waitUntil(
      end({ status: "stopped" }).catch((error: unknown) => logFailure("chat_finish_failed", error, chat.log)),
    );
  };
  // The client's disconnect (request.signal, with the enable_request_signal flag) or a cancelled body.
  clientGone.addEventListener("abort", stopped, { once: true });

  const ids = { session_id: chat.sessionId, message_id: chat.turn.messageId, user_message_id: chat.turn.userMessageId };
  const errorEvent = (error: unknown, partial: boolean): string => {
    const failure = reportError(error, chat.log);
    return sseEvent("error", { code: failure.code, message: failure.message, ...ids, partial });
  };
  const events = (async function* (): AsyncGenerator<string> {
    yield sseEvent("start", { ...ids, parent_id: chat.turn.history.at(-1)?.id ?? null });
    let finish = "stop";
    let failed: { error: unknown } | undefined;
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
          finish = event.finish;
        }
      }
    } catch (error) {
      failed = { error };
    }
    if (abort.signal.aborted) return;
    if (failed) {
      // After the first token a failure is the answering provider's own; what was said is kept, as partial.
      const error = failed.error instanceof ProviderError ? new NoProviderAnswered([failed.error]) : failed.error;
      const partial = reply !== "";
      const mapped = toHttpError(error);
      await end({
        status: partial ? "interrupted" : "failed",
        error: { code: mapped.code, message: mapped.message },
      }).catch((finishing: unknown) => logFailure("chat_finish_failed", finishing, chat.log));
      yield errorEvent(error, partial);
      return;
    }
    try {
      await end({ status: "complete", finish });
    } catch (error) {
      yield errorEvent(error, false);
      return;
    }
    yield sseEvent("done", {
      ...ids,
      provider: answered?.provider,
      model: answered?.model,
      memories: chat.memoryIds,
      engram_id: chat.engramId,
      finish_reason: finish,
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
      stopped();
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
