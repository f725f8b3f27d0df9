import * as z from "zod/mini";
import { text } from "./common";
import { engramFields, engramLimits } from "./engram";

/**
 * The SOS prototype's bodies. Its field names map onto the engram's: tags → epistemic_truths,
 * concepts → core_concepts, vibe → affective_vibe. Unknown keys are ignored, as they were there.
 */
export const sosStoreSchema = z.object({
  text: engramFields.text,
  context_id: z.optional(text(engramLimits.contextIdChars)),
  tags: z.optional(engramFields.epistemic_truths),
  concepts: z.optional(engramFields.core_concepts),
  vibe: z.optional(text(engramLimits.vibeChars)),
  importance: z.optional(engramFields.importance),
});

export const sosSearchSchema = z.object({
  query: text(engramLimits.queryChars),
  limit: z.optional(z.int().check(z.gte(1), z.lte(50))),
});
