import * as z from "zod/mini";

/** Session ids are KV key suffixes: URL-safe, bounded. */
export const sessionIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1 to 128 letters, digits, '-' or '_'"));

export const sessionMessageSchema = z.strictObject({
  role: z.enum(["user", "assistant", "system"]),
  content: z.string().check(z.minLength(1)),
});

export type SessionMessageInput = z.output<typeof sessionMessageSchema>;
