import { ContactLimitReached } from "../contact/rate-limit";
import {
  ConversationNotFound,
  InvalidConversationInput,
  UnknownConversationCursor,
} from "../conversations/conversation-errors";
import { NoProviderAnswered } from "../llm/fallback";
import { logFailure, type LogContext } from "../log";
import { InvalidSessionInput, UnknownSessionCursor } from "../sessions/session-errors";
import { unknownCursor } from "./cursor";
import { badRequest, HttpError, notFound } from "./http-error";
import { invalidInput } from "./validation";

/** How to configure a model, for the "no model" error. */
const noModelHelp =
  "No model provider is configured. Deployed, Workers AI answers by default (sos:llmProvider); " +
  "locally, set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server such as Ollama), " +
  "ANTHROPIC_API_KEY, GEMINI_API_KEY or GROQ_API_KEY and restart `npm start`.";

/**
 * The one mapping from an error to what the caller is told, for routes and event streams alike:
 * an HttpError as it is, a model failure by its last attempt (none: no model is configured), the
 * lower layers' own refusals (sessions, conversations and their chat turns, the contact inbox) by
 * what they mean, anything else a generic 500 that keeps the original as its `cause`.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof NoProviderAnswered) return providerFailure(error);
  if (error instanceof InvalidSessionInput) return invalidInput(error.issues, error.input, error.subject);
  if (error instanceof UnknownSessionCursor || error instanceof UnknownConversationCursor) return unknownCursor();
  if (error instanceof ConversationNotFound) return notFound(error.what);
  if (error instanceof InvalidConversationInput) return badRequest(error.field, error.reason);
  if (error instanceof ContactLimitReached) return contactRefusal(error);
  return new HttpError(500, "internal_error", "The request failed inside the worker.", { cause: error });
}

/** Maps the error and logs it when the worker (or a provider) failed: every 5xx, one line, no content. */
export function reportError(error: unknown, context: LogContext): HttpError {
  const mapped = toHttpError(error);
  if (mapped.status >= 500) logFailure("request_failed", mapped, context, mapped.status);
  return mapped;
}

/** Why no provider answered (never containing a key: provider errors are scrubbed where they are made). */
function providerFailure(error: NoProviderAnswered): HttpError {
  if (error.failures.length === 0) return new HttpError(503, "no_model_configured", noModelHelp, { cause: error });
  const last = error.failures[error.failures.length - 1]!;
  if (last.kind === "aborted")
    return new HttpError(499, "client_closed", "The request was cancelled.", { cause: error });
  return new HttpError(502, "provider_error", `The model provider failed: ${error.message}`, { cause: error });
}

const contactRefusals = {
  caller: { code: "rate_limited", message: "Too many messages from this caller; try again later." },
  inbox: { code: "inbox_full", message: "The inbox takes no more messages this hour; try again later." },
} as const;

/** 429 with the seconds left of the full window. */
function contactRefusal(error: ContactLimitReached): HttpError {
  const { code, message } = contactRefusals[error.limit];
  return new HttpError(429, code, message, {
    headers: { "retry-after": String(error.retryAfterSeconds) },
    cause: error,
  });
}
