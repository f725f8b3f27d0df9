import * as z from "zod/mini";
import { agentName, text, unitInterval } from "./common";

export const engramLimits = {
  textChars: 32_000,
  contextIdChars: 256,
  listItems: 64,
  listItemChars: 500,
  vibeChars: 200,
  queryChars: 1_000,
} as const;

const stringList = z.array(text(engramLimits.listItemChars)).check(z.maxLength(engramLimits.listItems));

/** An engram's writable fields: the one definition every variant below is derived from. */
export const engramFields = {
  text: text(engramLimits.textChars),
  context_id: z.nullable(text(engramLimits.contextIdChars)),
  epistemic_truths: stringList,
  core_concepts: stringList,
  affective_vibe: z.nullable(text(engramLimits.vibeChars)),
  importance: unitInterval,
};

export const engramSchema = z.strictObject(engramFields);

/** POST /api/memories: text required, the rest optional. */
export const createEngramSchema = z.partial(engramSchema, {
  context_id: true,
  epistemic_truths: true,
  core_concepts: true,
  affective_vibe: true,
  importance: true,
});

/** PATCH /api/memories/:id: any subset, at least one field. */
export const patchEngramSchema = z
  .partial(engramSchema)
  .check(z.refine((patch) => Object.keys(patch).length > 0, "must contain at least one field to change"));

/** POST /api/memories/search */
export const searchEngramsSchema = z.strictObject({
  query: text(engramLimits.queryChars),
  limit: z.optional(z.int().check(z.gte(1), z.lte(50))),
  agent: z.optional(agentName),
  context_id: z.optional(text(engramLimits.contextIdChars)),
});

export type CreateEngram = z.output<typeof createEngramSchema>;
export type PatchEngram = z.output<typeof patchEngramSchema>;
