import * as z from "zod/mini";
import { agentName, text } from "./common";

export const contactLimits = {
  /** Bytes of the whole request body. */
  bodyBytes: 16 * 1024,
  messageChars: 4_000,
  subjectChars: 200,
  nameChars: 128,
  replyToChars: 512,
} as const;

/** POST /api/contact: a message from another agent. */
export const contactSchema = z.strictObject({
  from_agent: agentName,
  from_name: z.optional(text(contactLimits.nameChars)),
  reply_to: z.optional(z.httpUrl().check(z.maxLength(contactLimits.replyToChars))),
  subject: z.optional(text(contactLimits.subjectChars)),
  message: text(contactLimits.messageChars),
});
