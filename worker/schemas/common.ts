import * as z from "zod/mini";

/** A string of 1..max characters that is not only whitespace. */
export function text(max: number) {
  return z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.refine((value) => value.trim() !== "", "must not be blank"),
  );
}

/** A number in [0, 1]: importance, threshold, every UV16D dimension. */
export const unitInterval = z.number().check(z.gte(0), z.lte(1));

/** Agent ids, as other agents and the Mirror API name them. */
export const agentName = text(128);
