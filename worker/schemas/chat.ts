import * as z from "zod/mini";
import { providerNames } from "../llm/provider";
import { text } from "./common";
import { sessionIdSchema } from "./session";

/** Characters of one chat message; longer text belongs in a stored memory. */
export const maxChatMessageChars = 8_000;

export const chatSchema = z.strictObject({
  message: text(maxChatMessageChars),
  session_id: z.optional(sessionIdSchema),
  provider: z.optional(z.enum(providerNames)),
  model: z.optional(text(200)),
  stream: z.optional(z.boolean()),
});
export type ChatInput = z.output<typeof chatSchema>;

/** The SOS prototype's `POST /chat`. */
export const sosChatSchema = z.strictObject({
  message: text(maxChatMessageChars),
  model: z.optional(text(200)),
});
