import * as z from "zod/mini";
import { providerNames } from "../llm/provider-catalog";
import { text } from "./common";

export const conversationLimits = {
  titleChars: 200,
  modelChars: 200,
  messageIdChars: 64,
  queryChars: 500,
} as const;

/** Message ids are made by the worker (UUIDs); bounded here so any given one can be bound as a value. */
export const messageIdSchema = text(conversationLimits.messageIdChars);

/**
 * PATCH /api/conversations/:id. `branch` names a message: the conversation then shows the path
 * through it, down its newest replies (how a person moves between an answer's versions).
 */
export const conversationPatchSchema = z
  .strictObject({
    title: z.optional(text(conversationLimits.titleChars)),
    pinned: z.optional(z.boolean()),
    remember: z.optional(z.boolean()),
    provider: z.optional(z.nullable(z.enum(providerNames))),
    model: z.optional(z.nullable(text(conversationLimits.modelChars))),
    branch: z.optional(messageIdSchema),
  })
  .check(
    z.refine((patch) => Object.keys(patch).length > 0, {
      message: "must change at least one of title, pinned, remember, provider, model, branch",
    }),
  );

export type ConversationPatch = z.output<typeof conversationPatchSchema>;
