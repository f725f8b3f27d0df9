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
  /** Set when an injected fault answered instead of the route: its status, or "network". */
  fault?: string;
}

/**
 * A failure the emulator gives instead of a route's answer, for the next `times` matching calls:
 * what Cloudflare answers under load (429 with Retry-After, 5xx), a Cloudflare error code (10021 right
 * after a database is created), or a connection closed with no answer at all.
 */
export interface Fault {
  /** @default any method */
  method?: string;
  /** The path below `/client/v4` (without the query string), or a pattern it must match. */
  path: string | RegExp;
  /** Only calls whose body (as text) matches. */
  body?: RegExp;
  /** @default 500 */
  status?: number;
  /** @default Cloudflare's generic internal error (10001) */
  errors?: ApiError[];
  /** The Retry-After header, in seconds (as Cloudflare sends it on 429) or an HTTP date. */
  retryAfter?: string;
  /** Closes the connection without answering: fetch fails with "fetch failed" (ECONNRESET / other side closed). */
  network?: boolean;
  /**
   * The call is carried out first and only its answer is lost or replaced: what makes a failure
   * ambiguous (did the write happen?). @default false, the call is not carried out
   */
  afterRoute?: boolean;
  /** @default 1 */
  times?: number;
}

export interface CloudflareEmulator {
  /** e.g. `http://127.0.0.1:PORT/client/v4`: use as CLOUDFLARE_API_BASE_URL. */
  baseUrl: string;
  accountId: string;
  token: string;
  /** Another API token: its accounts, status and permissions (see cloudflare-emulator-account.ts). */
  addToken(value: string, options?: TokenOptions): { id: string };
  /** Rolls a token: from now on Cloudflare refuses it like any unknown token (403, 10000). */
  revokeToken(value: string): void;
  /** Answers the next matching calls with a failure instead of the route (see {@link Fault}). */
  injectFault(fault: Fault): void;
  /** How many injected failures are still to be given. */
  pendingFaults(): number;
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
  /** Every deployment a Pages project holds, oldest first. */
  pagesDeployments(project: string): PagesDeploymentView[];
  /** Whether the account still has a Pages project of that name. */
  hasPagesProject(project: string): boolean;
  /** The D1 databases of the account, by name. */
  d1Databases(): { uuid: string; name: string }[];
  /** The Workers of an account (the main one unless given), with the bindings of their last upload. */
  workersScripts(accountId?: string): { name: string; bindings: unknown[] }[];
  /** The KV namespaces of an account (the main one unless given). */
  kvNamespaces(accountId?: string): { id: string; title: string }[];
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
  const faults: (Fault & { left: number })[] = [];
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
    const recorded: RecordedRequest = { method, path, search: url.search, body };
    requests.push(recorded);
    const fault = takeFault(method, path, rawBody.toString("utf8"));
    const answerFault = () => {
      recorded.fault = fault!.network ? "network" : String(fault!.status ?? 500);
      if (fault!.network) {
        incoming.socket.destroy();
        return;
      }
      const errors = fault!.errors ?? [{ code: 10001, message: "Internal server error" }];
      send(outgoing, fault!.status ?? 500, envelope(false, null, errors), fault!.retryAfter);
    };
    if (fault && !fault.afterRoute) return answerFault();
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
      if (fault) return answerFault();
      const payload = envelope(true, reply.result, [], reply.messages);
      send(outgoing, reply.status ?? 200, reply.resultInfo ? { ...payload, result_info: reply.resultInfo } : payload);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      send(outgoing, error.status, envelope(false, null, error.errors));
    }
  }

  function takeFault(method: string, path: string, body: string): Fault | undefined {
    const fault = faults.find(
      (candidate) =>
        candidate.left > 0 &&
        (candidate.method === undefined || candidate.method.toUpperCase() === method) &&
        (typeof candidate.path === "string" ? candidate.path === path : candidate.path.test(path)) &&
        (candidate.body === undefined || candidate.body.test(body)),
    );
    if (!fault) return undefined;
    fault.left -= 1;
    return fault;
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
    revokeToken: (value) => accounts.revokeToken(value),
    injectFault: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    pendingFaults: () => faults.reduce((sum, fault) => sum + fault.left, 0),
    addAccount: (id, accountOptions) => accounts.addAccount(id, accountOptions),
    accounts: () => accounts.accounts(),
    createWorkersScript: (name, accountId) => accounts.createWorkersScript(name, accountId),
    createKvNamespace: (title, accountId) => accounts.createKvNamespace(title, accountId),
    createD1Database: (name) => d1.createDatabase(name),
    d1: (uuid) => d1.sqlite(uuid),
    createPagesProject: (name, projectOptions) => pages.createProject(name, projectOptions),
    pagesDeployment: (project, deploymentId) => pages.deployment(project, deploymentId),
    pagesDeployments: (project) => pages.deployments(project),
    hasPagesProject: (project) => pages.hasProject(project),
    d1Databases: () => d1.databases(),
    workersScripts: (accountId) => accounts.workersScripts(accountId),
    kvNamespaces: (accountId) => accounts.kvNamespaces(accountId),
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

function send(outgoing: ServerResponse, status: number, payload: unknown, retryAfter?: string): void {
  const text = JSON.stringify(payload);
  outgoing.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }),
  });
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
