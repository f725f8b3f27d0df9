import { updateTitleIfUnnamed } from "../conversations/conversation-store";
import type { Db } from "../db/database";
import type { Env } from "../env";
import { generateWithFallback } from "../llm/fallback";
import type { PreparedChat } from "./run-chat";

/** Tokens a title may take: a few words. */
const titleTokens = 24;
/** Characters of the exchange the title is made from. */
const excerptChars = 1_500;

/** Titles are made by the model unless CONVERSATION_TITLES is "message" (the first message's first line). */
export function titlesEnabled(env: Pick<Env, "CONVERSATION_TITLES">): boolean {
  return (env.CONVERSATION_TITLES ?? "model").trim().toLowerCase() !== "message";
}

/**
 * A short title for a conversation, by the model that answered it (the same provider, which has the
 * conversation already), made in the background after its first answer: one small call, its reply
 * cut to one line. The person's own name for it always wins.
 */
export async function makeTitle(env: Env, db: Db, agent: string, chat: PreparedChat, answer: string): Promise<void> {
  const generation = await generateWithFallback(chat.attempts.slice(0, 1), {
    maxTokens: titleTokens,
    messages: [
      {
        role: "system",
        content:
          "You name conversations. Reply with a title of 2 to 6 words for the conversation below, in its " +
          "language: no quotes, no final punctuation, nothing else.",
      },
      {
        role: "user",
        content: `User: ${chat.message.slice(0, excerptChars)}\nAssistant: ${answer.slice(0, excerptChars)}`,
      },
    ],
  });
  const title = cleanTitle(generation.text);
  if (title) await updateTitleIfUnnamed(db, agent, chat.sessionId, title);
}

/** The model's first line, without quotes, markup or a final full stop, at most 80 characters. */
export function cleanTitle(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  const bare = line
    .replace(/^(title\s*:\s*)/i, "")
    .replace(/[*_#`]/g, "")
    .replace(/^["'“”‘’«»\s]+|["'“”‘’«»\s]+$/g, "")
    .replace(/[.。]+$/, "")
    .trim();
  return bare.length > 80 ? `${bare.slice(0, 77)}…` : bare;
}
