/**
 * A conversation this agent does not have, or a message its conversation does not have (`what`).
 * The http layer answers 404 `<what> not found` (worker/http/error-mapper.ts).
 */
export class ConversationNotFound extends Error {
  constructor(readonly what: "conversation" | "message") {
    super(`${what} not found`);
    this.name = "ConversationNotFound";
  }
}

/**
 * A value a conversation cannot take, of a change (`branch`) or of a chat turn (`reply_to`, `edit`,
 * `provider`): `field` names it, `reason` says why, as read after the field. The http layer answers
 * 400 naming the field.
 */
export class InvalidConversationInput extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = "InvalidConversationInput";
  }
}

/** A list cursor that the conversation list did not hand out (a 400 naming `cursor`). */
export class UnknownConversationCursor extends Error {
  constructor() {
    super("the conversation list did not issue this cursor");
    this.name = "UnknownConversationCursor";
  }
}
