import type { ExportedHandler, ExportedHandlerFetchHandler } from "@cloudflare/workers-types/index";
import type { Env } from "./env";
import { createRouter } from "./router";

const router = createRouter();

const fetch: ExportedHandlerFetchHandler<Env> = (request, env, ctx) => router.fetch(request, env, ctx);

export default { fetch } satisfies ExportedHandler<Env>;
