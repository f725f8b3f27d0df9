import { Router } from "itty-router";
import { agentKeyAuth } from "./http/auth";
import { corsHeaders, corsPreflight } from "./http/cors";
import { errorResponse } from "./http/error-response";
import { HttpError } from "./http/http-error";
import { assignRequestId } from "./http/request-log";
import { securityHeaders } from "./http/security-headers";
import type { AppRequest, AppRouter, HandlerArgs } from "./http/types";
import { chatRoutes } from "./routes/chat";
import { mirrorCompatRoutes } from "./routes/compat-mirror";
import { sosCompatRoutes } from "./routes/compat-sos";
import { contactRoutes } from "./routes/contact";
import { conversationRoutes } from "./routes/conversations";
import { healthRoutes } from "./routes/health";
import { memoryRoutes } from "./routes/memory";
import { privacyRoutes } from "./routes/privacy";
import { publicRoutes } from "./routes/public-routes";
import { sessionRoutes } from "./routes/sessions";
import { stateRoutes } from "./routes/state";

/**
 * The worker's router: a request id, preflight, then the agent key (every route but the public
 * ones), then the routes by area; errors become JSON in one place; unmatched requests are 404;
 * security and CORS headers last.
 */
export function createRouter(): AppRouter {
  const router: AppRouter = Router<AppRequest, HandlerArgs, Response>({
    before: [assignRequestId, corsPreflight(), agentKeyAuth({ publicRoutes })],
    catch: errorResponse,
    finally: [notFoundFallback, securityHeaders(), corsHeaders()],
  });
  for (const register of [
    healthRoutes,
    chatRoutes,
    memoryRoutes,
    stateRoutes,
    sessionRoutes,
    conversationRoutes,
    privacyRoutes,
    contactRoutes,
    sosCompatRoutes,
    mirrorCompatRoutes,
  ]) {
    register(router);
  }
  return router;
}

function notFoundFallback(response: Response | undefined, request: AppRequest): Response {
  return (
    response ??
    errorResponse(
      new HttpError(404, "not_found", `No route for ${request.method} ${new URL(request.url).pathname}`),
      request,
    )
  );
}
