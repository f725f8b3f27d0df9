import type { PublicRoute } from "../http/auth";

/** The only routes served without the agent key; every other route requires it. */
export const healthRoute = { method: "GET", path: "/api/health" } as const satisfies PublicRoute;
export const contactInboxRoute = { method: "POST", path: "/api/contact" } as const satisfies PublicRoute;

export const publicRoutes: readonly PublicRoute[] = [healthRoute, contactInboxRoute];
