import { chatEventStream } from "../chat/sse";
import { finishChat, generateReply, prepareChat } from "../chat/run-chat";
import { json, readJsonBody } from "../http/json";
import { logContext } from "../http/request-log";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { describeProviders } from "../llm/registry";
import { chatSchema } from "../schemas/chat";

export function chatRoutes(router: AppRouter): void {
  router.post("/api/chat", async (request, env, ctx) => {
    const input = parseInput(chatSchema, await readJsonBody(request));
    const chat = await prepareChat(env, ctx, input, logContext(request));
    if (input.stream) return chatEventStream(env, ctx, chat, request.signal);

    const answer = await generateReply(chat, request.signal);
    await finishChat(env, ctx, chat, answer);
    return json({
      reply: answer.reply,
      session_id: chat.sessionId,
      message_id: chat.turn.messageId,
      user_message_id: chat.turn.userMessageId,
      provider: answer.provider,
      model: answer.model,
      memories: chat.memoryIds,
      engram_id: chat.engramId,
      usage: { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens },
    });
  });

  /** The providers this worker can call, each with its models (its default first), for clients choosing one. */
  router.get("/api/providers", (_request, env) => json({ providers: describeProviders(env) }));
}
