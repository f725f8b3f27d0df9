import * as z from "zod/mini";

/** The exact words DELETE /api/data requires, so erasing is never one stray request away. */
export const eraseConfirmation = "erase everything";

export const eraseSchema = z.strictObject({ confirm: z.literal(eraseConfirmation) });
