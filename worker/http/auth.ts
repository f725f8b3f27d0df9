import type { Env } from "../env";
import { HttpError } from "./http-error";
import type { AppRequest } from "./types";

export interface PublicRoute {
  method: string;
  path: string;
}

export interface AgentKeyOptions {
  /** Routes served without a key; every other route needs one (fail closed, new routes included). */
  publicRoutes: readonly PublicRoute[];
}

/**
 * Requires `Authorization: Bearer <AGENT_KEY>` on every route but the public ones. Without a
 * configured key the private routes answer 503 instead of falling open.
 */
export function agentKeyAuth(options: AgentKeyOptions) {
  return async function requireAgentKey(request: AppRequest, env: Env): Promise<undefined> {
    if (request.method === "OPTIONS" || isPublic(request, options.publicRoutes)) return undefined;
    const expected = env.AGENT_KEY?.trim();
    if (!expected) {
      throw new HttpError(
        503,
        "agent_key_missing",
        "No agent key is configured (AGENT_KEY); the private API is disabled.",
      );
    }
    const presented = bearerToken(request.headers.get("authorization"));
    if (presented === undefined) {
      throw new HttpError(401, "unauthorized", "Send Authorization: Bearer <agent key>.", { field: "authorization" });
    }
    if (!(await sameSecret(presented, expected))) {
      throw new HttpError(401, "unauthorized", "The agent key is not valid.", { field: "authorization" });
    }
    return undefined;
  };
}

function isPublic(request: AppRequest, routes: readonly PublicRoute[]): boolean {
  const path = new URL(request.url).pathname.replace(/\/+$/, "");
  return routes.some((route) => route.method === request.method && route.path === path);
}

function bearerToken(header: string | null): string | undefined {
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(header?.trim() ?? "");
  return match ? match[1]!.trim() : undefined;
}

/**
 * Compares SHA-256 digests with a loop that always runs over all 32 bytes, so the time taken
 * reveals neither the key's length nor how many leading characters matched.
 */
async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
}
