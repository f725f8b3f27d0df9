import * as z from "zod/mini";
import { providerNames } from "../llm/provider-catalog";
import { text } from "./common";
import { messageIdSchema } from "./conversation";
import { sessionIdSchema } from "./session";

/** Characters of one chat message; longer text belongs in a stored memory. */
export const maxChatMessageChars = 8_000;

/**
 * POST /api/chat. A new `message` follows the conversation's last message; with `edit` it is a new
 * version of that (user) message instead, and what followed the old version stays on its branch.
 * Without a message, `reply_to` (a user message) asks for another answer to it: a regenerate, or a
 * retry after a failure, which stores no second copy of the question. `temporary` and `remember`
 * apply when the message starts a conversation.
 */
export const chatSchema = z
  .strictObject({
    message: z.optional(text(maxChatMessageChars)),
    session_id: z.optional(sessionIdSchema),
    edit: z.optional(messageIdSchema),
    reply_to: z.optional(messageIdSchema),
    provider: z.optional(z.enum(providerNames)),
    model: z.optional(text(200)),
    stream: z.optional(z.boolean()),
    temporary: z.optional(z.boolean()),
    remember: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((input, ctx) => {
      const problem = (path: string, message: string) =>
        ctx.issues.push({ code: "custom", message, input: input[path as keyof typeof input], path: [path] });
      if (input.reply_to !== undefined) {
        if (input.message !== undefined) problem("message", "must be absent with reply_to (the question is stored)");
        if (input.edit !== undefined) problem("edit", "must be absent with reply_to");
      } else if (input.message === undefined) {
        problem("message", "is required");
      }
      if ((input.reply_to !== undefined || input.edit !== undefined) && input.session_id === undefined) {
        problem("session_id", "is required with edit or reply_to");
      }
    }),
  );
export type ChatInput = z.output<typeof chatSchema>;

/** The SOS prototype's `POST /chat`. */
export const sosChatSchema = z.strictObject({
  message: text(maxChatMessageChars),
  model: z.optional(text(200)),
});
