import * as z from "zod/mini";
import { innerDimensions, outerDimensions } from "../state/uv16d";
import { unitInterval } from "./common";

function octaveShape<K extends string>(keys: readonly K[]): Record<K, typeof unitInterval> {
  return Object.fromEntries(keys.map((key) => [key, unitInterval])) as Record<K, typeof unitInterval>;
}

export const innerOctaveSchema = z.strictObject(octaveShape(innerDimensions));
export const outerOctaveSchema = z.strictObject(octaveShape(outerDimensions));

/** PUT /api/state: all 16 dimensions. */
export const uv16dSchema = z.strictObject({ inner: innerOctaveSchema, outer: outerOctaveSchema });

/** PATCH /api/state: any of the 16, at least one. */
export const patchUv16dSchema = z
  .strictObject({ inner: z.optional(z.partial(innerOctaveSchema)), outer: z.optional(z.partial(outerOctaveSchema)) })
  .check(
    z.refine(
      (patch) => Object.keys(patch.inner ?? {}).length + Object.keys(patch.outer ?? {}).length > 0,
      "must contain at least one dimension",
    ),
  );

/** The SOS prototype's flat form (`{p, e, ..., phit}`), any subset; other keys (name, role) are ignored. */
export const flatUv16dSchema = z.partial(z.object({ ...innerOctaveSchema.shape, ...outerOctaveSchema.shape }));

export type PatchUv16d = z.output<typeof patchUv16dSchema>;
