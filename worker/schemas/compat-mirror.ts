import * as z from "zod/mini";
import { agentName, text, unitInterval } from "./common";
import { engramFields, engramLimits } from "./engram";

/**
 * Mirror's EngramStoreRequest. Its other fields (project, energy_level, next_attractor, metadata,
 * tier, ...) have no column here and are accepted and ignored, as unknown keys are.
 */
export const mirrorStoreSchema = z.object({
  agent: agentName,
  context_id: text(engramLimits.contextIdChars),
  text: engramFields.text,
  epistemic_truths: z.optional(engramFields.epistemic_truths),
  core_concepts: z.optional(engramFields.core_concepts),
  affective_vibe: z.optional(text(engramLimits.vibeChars)),
});

/** Mirror's SearchRequest: top_k defaults to 5, threshold to 0.5. */
export const mirrorSearchSchema = z.object({
  query: text(engramLimits.queryChars),
  top_k: z.optional(z.int().check(z.gte(1), z.lte(100))),
  threshold: z.optional(unitInterval),
  agent_filter: z.optional(z.nullable(agentName)),
});
