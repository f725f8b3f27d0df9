import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type BetterSqlite3 from "better-sqlite3";
import {
  installAccounts,
  type AccountOptions,
  type AccountView,
  type TokenOptions,
} from "./cloudflare-emulator-account";
import { installD1 } from "./cloudflare-emulator-d1";
import { installPages, type PagesDeploymentView } from "./cloudflare-emulator-pages";
import type { PagesUpload } from "./cloudflare-emulator-pages-assets";

/**
 * A local stand-in for the Cloudflare v4 API, good enough that wrangler itself and this project's
 * fetch client cannot tell it from api.cloudflare.com for the endpoints it emulates (checked by
 * running wrangler against it, see test/emulator/wrangler-d1.test.ts).
 *
 * This file holds what every area shares: the server, the router, the envelope and the auth check.
 * Each product area (D1, Pages) lives in a sibling `cloudflare-emulator-<area>.ts` that
 * registers its routes through an {@link EmulatorAreaContext}. Tokens, accounts and which token
 * may call which route live in cloudflare-emulator-account.ts.
 */

/** One entry of an envelope's `errors` (Cloudflare adds `error_chain` on some header errors). */
export interface ApiError {
  code: number;
  message: string;
  error_chain?: ApiError[];
}

/** `result_info` of list endpoints (page-number pagination, as D1 and Pages use). */
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
}

export interface EmulatorRequest {
  method: string;
  /** Path below `/client/v4`, without the query string. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, else the body as text, else undefined. */
  body: unknown;
  rawBody: Buffer;
}

export interface RouteReply {
  status?: number;
  result: unknown;
  resultInfo?: ResultInfo;
  messages?: unknown[];
}

export type RouteHandler = (request: EmulatorRequest) => RouteReply | Promise<RouteReply>;

export interface RouteOptions {
  /** Replaces the API-token check, for endpoints that take another credential (Pages' upload JWT). */
  authenticate?: (headers: IncomingHttpHeaders) => void;
}

/** What an area gets to register its routes; areas import only types from here, so no import cycle. */
export interface EmulatorAreaContext {
  accountId: string;
  route(method: string, pattern: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Ends the handler with Cloudflare's error envelope. */
  fail(status: number, ...errors: ApiError[]): never;
  /** The request's API token, after Cloudflare's checks of the Authorization header (9106, 6003). */
  bearer(headers: IncomingHttpHeaders): string;
}

export interface RecordedRequest {
  method: string;
  /** Path below `/client/v4`, without the query string (that is in `search`). */
  path: string;
  search: string;
  body: unknown;
}

export interface CloudflareEmulator {
  /** e.g. `http://127.0.0.1:PORT/client/v4`: use as CLOUDFLARE_API_BASE_URL. */
  baseUrl: string;
  accountId: string;
  token: string;
  /** Another API token: its accounts, status and permissions (see cloudflare-emulator-account.ts). */
  addToken(value: string, options?: TokenOptions): { id: string };
  /** Another account; D1 databases and Pages projects live in the main account only. */
  addAccount(id: string, options?: AccountOptions): AccountView;
  /** Every registered account, the main one first. */
  accounts(): AccountView[];
  /** A Worker in an account's script list (the main account unless given). */
  createWorkersScript(name: string, accountId?: string): void;
  createKvNamespace(title: string, accountId?: string): { id: string; title: string };
  createD1Database(name: string): { uuid: string; name: string };
  /** The live SQLite database behind a D1 database; a Time Travel restore replaces it, so ask again after one. */
  d1(uuid: string): BetterSqlite3.Database;
  /** A direct-upload Pages project (production branch `main` unless given). */
  createPagesProject(name: string, options?: { productionBranch?: string }): { id: string; name: string };
  /** A Pages deployment with its manifest and extra form parts: the given one, else the live production one. */
  pagesDeployment(project: string, deploymentId?: string): PagesDeploymentView;
  /** What a Pages deployment serves, `"/path"` → bytes, rebuilt from its manifest and the stored blobs. */
  pagesFiles(project: string, deploymentId?: string): Map<string, Buffer>;
  /** Every `POST /pages/assets/upload`, in order: the project (from the JWT) and the hashes it carried. */
  pagesUploads: PagesUpload[];
  requests: RecordedRequest[];
  resetRequests(): void;
  close(): Promise<void>;
}

/** Thrown by {@link EmulatorAreaContext.fail}; turned into the envelope in one place. */
class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
  ) {
    super(errors.map((error) => `${error.message} [code: ${error.code}]`).join("; "));
  }
}

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
  authenticate?: RouteOptions["authenticate"];
}

const apiPrefix = "/client/v4";

export async function startCloudflareEmulator(options: {
  token: string;
  accountId: string;
  /** The main account's workers.dev subdomain; null for an account that never registered one. @default "sos-test" */
  workersDevSubdomain?: string | null;
}): Promise<CloudflareEmulator> {
  const routes: Route[] = [];
  const requests: RecordedRequest[] = [];
  const context: EmulatorAreaContext = {
    accountId: options.accountId,
    route(method, pattern, handler, routeOptions) {
      routes.push({
        method: method.toUpperCase(),
        segments: pattern.split("/").filter(Boolean),
        handler,
        authenticate: routeOptions?.authenticate,
      });
    },
    fail(status, ...errors) {
      throw new ApiFailure(status, errors);
    },
    bearer,
  };
  const accounts = installAccounts(context, {
    token: options.token,
    accountId: options.accountId,
    workersDevSubdomain: options.workersDevSubdomain === undefined ? "sos-test" : options.workersDevSubdomain,
  });
  const d1 = installD1(context);
  const pages = installPages(context);

  const server = createServer((incoming, outgoing) => {
    void handle(incoming, outgoing).catch((error: unknown) => {
      // A bug in the emulator itself: answer like Cloudflare's generic internal error, but say what broke.
      send(outgoing, 500, envelope(false, null, [{ code: 10001, message: `emulator error: ${String(error)}` }]));
    });
  });

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? "/", "http://emulator");
    const rawBody = await readBody(incoming);
    const method = (incoming.method ?? "GET").toUpperCase();
    const path = url.pathname.startsWith(apiPrefix) ? url.pathname.slice(apiPrefix.length) || "/" : url.pathname;
    const body = parseBody(rawBody, incoming.headers["content-type"]);
    requests.push({ method, path, search: url.search, body });
    try {
      const match = url.pathname.startsWith(apiPrefix) ? matchRoute(routes, method, path) : undefined;
      if (match?.route.authenticate) match.route.authenticate(incoming.headers);
      else accounts.authorize(bearer(incoming.headers), match?.route.segments ?? [], match?.params ?? {});
      if (!match) {
        // Not Cloudflare's exact wording (it answers 400 "No route for that URI"): naming the route makes
        // a call the emulator does not cover obvious in wrangler's output.
        throw new ApiFailure(404, [
          { code: 7000, message: `No route for that URI: ${method} ${url.pathname} (not emulated)` },
        ]);
      }
      const request: EmulatorRequest = {
        method,
        path,
        params: match.params,
        query: url.searchParams,
        headers: incoming.headers,
        body,
        rawBody,
      };
      const reply = await match.route.handler(request);
      const payload = envelope(true, reply.result, [], reply.messages);
      send(outgoing, reply.status ?? 200, reply.resultInfo ? { ...payload, result_info: reply.resultInfo } : payload);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      send(outgoing, error.status, envelope(false, null, error.errors));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${apiPrefix}`,
    accountId: options.accountId,
    token: options.token,
    addToken: (value, tokenOptions) => accounts.addToken(value, tokenOptions),
    addAccount: (id, accountOptions) => accounts.addAccount(id, accountOptions),
    accounts: () => accounts.accounts(),
    createWorkersScript: (name, accountId) => accounts.createWorkersScript(name, accountId),
    createKvNamespace: (title, accountId) => accounts.createKvNamespace(title, accountId),
    createD1Database: (name) => d1.createDatabase(name),
    d1: (uuid) => d1.sqlite(uuid),
    createPagesProject: (name, projectOptions) => pages.createProject(name, projectOptions),
    pagesDeployment: (project, deploymentId) => pages.deployment(project, deploymentId),
    pagesFiles: (project, deploymentId) => pages.files(project, deploymentId),
    pagesUploads: pages.uploads,
    requests,
    resetRequests: () => void requests.splice(0),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      d1.close();
    },
  };
}

/**
 * Cloudflare's answers for a missing or malformed credential: no credentials at all is 400/9106, a
 * malformed Authorization header is 400/6003 (with 6111 in the chain). Whether the token is known
 * and may call the route is the account area's to say (an unknown token is 403/10000).
 */
function bearer(headers: IncomingHttpHeaders): string {
  const authorization = headers.authorization;
  if (authorization === undefined && headers["x-auth-key"] === undefined) {
    throw new ApiFailure(400, [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }]);
  }
  const token = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization ?? "")?.[1];
  if (token === undefined) {
    throw new ApiFailure(400, [
      {
        code: 6003,
        message: "Invalid request headers",
        error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
      },
    ]);
  }
  return token;
}

function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = route.segments.every((segment, index) => {
      const actual = decodeURIComponent(segments[index]!);
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = actual;
        return true;
      }
      return segment === actual;
    });
    if (matches) return { route, params };
  }
  return undefined;
}

function envelope(success: boolean, result: unknown, errors: ApiError[], messages: unknown[] = []) {
  return { success, errors, messages, result };
}

function send(outgoing: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  outgoing.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  outgoing.end(text);
}

async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString("utf8");
  if (contentType?.includes("json") || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
