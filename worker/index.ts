import type {
  ExportedHandler,
  ExportedHandlerFetchHandler,
  ExportedHandlerScheduledHandler,
} from "@cloudflare/workers-types/index";
import { contactSettings } from "./contact/contact-settings";
import { expireContacts } from "./contact/retention";
import { expireConversations } from "./conversations/retention";
import { createDb } from "./db/database";
import type { Env } from "./env";
import { logFailure, scheduledContext } from "./log";
import { sendOptedInReports } from "./outbound/scheduled";
import { createRouter } from "./router";

const router = createRouter();

const fetch: ExportedHandlerFetchHandler<Env> = (request, env, ctx) => router.fetch(request, env, ctx);

/**
 * The daily cron: the upkeep (inbox messages past their retention are deleted; temporary chats past
 * their session's lifetime, and conversations past CONVERSATION_RETENTION_DAYS when it is set), and
 * what the owner opted into (the listing's heartbeat, telemetry); one failing does not stop another.
 */
const scheduled: ExportedHandlerScheduledHandler<Env> = async (_controller, env, ctx) => {
  ctx.waitUntil(
    expireContacts(createDb(env.DB), contactSettings(env)).catch((error: unknown) =>
      logFailure("inbox_expiry_failed", error, scheduledContext),
    ),
  );
  ctx.waitUntil(
    expireConversations(env, createDb(env.DB)).catch((error: unknown) =>
      logFailure("conversation_expiry_failed", error, scheduledContext),
    ),
  );
  ctx.waitUntil(sendOptedInReports(env));
};

export default { fetch, scheduled } satisfies ExportedHandler<Env>;
