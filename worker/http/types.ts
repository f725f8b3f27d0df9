import type { ExecutionContext } from "@cloudflare/workers-types/index";
import type { IRequest, RouterType } from "itty-router";
import type { Env } from "../env";

/** Arguments every handler and middleware receives after the request. */
export type HandlerArgs = [env: Env, ctx: ExecutionContext];

export type AppRequest = IRequest;

/** The router every route area registers on. */
export type AppRouter = RouterType<AppRequest, HandlerArgs, Response>;
