import type {
  ExportedHandler,
  ExportedHandlerFetchHandler,
  ExportedHandlerScheduledHandler,
} from "@cloudflare/workers-types/index";
import type { Env } from "./env";
import { sendOptedInReports } from "./outbound/scheduled";
import { createRouter } from "./router";

const router = createRouter();

const fetch: ExportedHandlerFetchHandler<Env> = (request, env, ctx) => router.fetch(request, env, ctx);

/** The daily cron trigger exists only when the listing or telemetry is opted in. */
const scheduled: ExportedHandlerScheduledHandler<Env> = async (_controller, env, ctx) => {
  ctx.waitUntil(sendOptedInReports(env));
};

export default { fetch, scheduled } satisfies ExportedHandler<Env>;
