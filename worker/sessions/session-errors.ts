import type * as z from "zod/mini";

/**
 * A session id or message the store refuses: the schema's issues with the value they are about.
 * `subject` names the value as a whole (`session_id`, `body`). The http layer answers 400 naming
 * the field (worker/http/error-mapper.ts); the value is never part of the message.
 */
export class InvalidSessionInput extends Error {
  constructor(
    readonly subject: string,
    readonly issues: readonly z.core.$ZodIssue[],
    readonly input: unknown,
  ) {
    super(`${subject} is not a valid session value`);
    this.name = "InvalidSessionInput";
  }
}

/** A list cursor that KV did not issue: the caller's mistake, not the store's (a 400 naming `cursor`). */
export class UnknownSessionCursor extends Error {
  constructor(cause: unknown) {
    super("KV refused the list cursor", { cause });
    this.name = "UnknownSessionCursor";
  }
}
