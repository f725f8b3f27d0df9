import { randomUUID } from "node:crypto";
import type { ApiError, EmulatorAreaContext, EmulatorRequest, RouteReply } from "./cloudflare-emulator";

/**
 * Tokens, accounts and the account-level Workers endpoints that `sos init` / `sos doctor` and
 * `wrangler whoami` read: token verification (user- and account-owned tokens), the account list,
 * the workers.dev subdomain, and the Workers scripts and KV namespace lists (read-only probes).
 * It also decides, for every route of every area, whether a token may call it (see `authorize`).
 *
 * Tokens are kept simple: each has accounts, a status and a set of {@link Permission}s, each
 * standing for one dashboard permission group at Edit (which includes Read). The main token of
 * `startCloudflareEmulator` has every permission on the main account. Tokens carry no user-level
 * permissions (User Details, Memberships), so `/user` and `/memberships` refuse them all.
 *
 * Sources: the API reference (developers.cloudflare.com/api: Verify Token, List Accounts, Get/Create
 * Subdomain, List Workers, List Namespaces, each with its "Accepted Permissions") and wrangler 4.86
 * (src/routes.ts, src/user/whoami.ts, src/kv/helpers.ts, src/cfetch/index.ts in its bundle).
 */

/**
 * One permission group at Edit. The workers.dev subdomain endpoints accept Workers Scripts Read/Write
 * (API reference, Get/Create Subdomain), so they fall under "workers-scripts".
 */
export type Permission = "d1" | "kv" | "workers-scripts" | "pages";
export const allPermissions: readonly Permission[] = ["d1", "kv", "workers-scripts", "pages"];

export type TokenStatus = "active" | "disabled" | "expired";

export interface TokenOptions {
  /** Accounts the token may use; every one must be registered. @default the main account */
  accounts?: string[];
  /** @default every permission */
  permissions?: Permission[];
  /** A token that is not active verifies with its status but is refused everywhere else. @default "active" */
  status?: TokenStatus;
  /**
   * "account": an Account API Token, which `/user/tokens/verify` does not know (1000, as wrangler's
   * whoami relies on) and which verifies at `/accounts/:account/tokens/verify` of its first account.
   * @default "user"
   */
  owner?: "user" | "account";
  /** `expires_on` in the verify answer, ISO 8601. */
  expiresOn?: string;
}

export interface AccountOptions {
  /** @default "Account <id>" */
  name?: string;
  /** The account's workers.dev subdomain, or null for an account that never registered one. @default null */
  workersDevSubdomain?: string | null;
}

export interface AccountView {
  id: string;
  name: string;
  workersDevSubdomain: string | null;
}

export interface AccountEmulation {
  addAccount(id: string, options?: AccountOptions): AccountView;
  addToken(value: string, options?: TokenOptions): { id: string };
  /** Forgets a token: from then on it is refused everywhere, as a rolled token is. */
  revokeToken(value: string): void;
  workersScripts(accountId?: string): { name: string; bindings: unknown[] }[];
  kvNamespaces(accountId?: string): { id: string; title: string }[];
  accounts(): AccountView[];
  createWorkersScript(name: string, accountId?: string): void;
  createKvNamespace(title: string, accountId?: string): { id: string; title: string };
  /** Refuses the request as Cloudflare would unless the token may call the route (pattern segments). */
  authorize(token: string, pattern: string[], params: Record<string, string>): void;
}

interface AccountRecord {
  id: string;
  name: string;
  createdOn: string;
  subdomain: string | null;
  scripts: { id: string; etag: string; createdOn: string; bindings: unknown[] }[];
  namespaces: { id: string; title: string }[];
}

interface TokenRecord {
  id: string;
  accounts: Set<string>;
  permissions: Set<Permission>;
  status: TokenStatus;
  owner: "user" | "account";
  expiresOn?: string;
}

const authenticationError: ApiError = { code: 10000, message: "Authentication error" };
/** favonia/cloudflare-ddns's recorded answer (internal/api tests): 401 with code 1000. */
const invalidToken: ApiError = { code: 1000, message: "Invalid API Token" };
/** wrangler matches `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$` before it registers a subdomain. */
const subdomainPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function installAccounts(
  context: EmulatorAreaContext,
  main: { token: string; accountId: string; workersDevSubdomain: string | null },
): AccountEmulation {
  const accounts = new Map<string, AccountRecord>();
  const tokens = new Map<string, TokenRecord>();

  function addAccount(id: string, options: AccountOptions = {}): AccountView {
    if (accounts.has(id)) throw new Error(`an emulated account is already '${id}'`);
    const subdomain = options.workersDevSubdomain ?? null;
    if (subdomain !== null && subdomainOwner(subdomain)) {
      throw new Error(`workers.dev subdomain '${subdomain}' is taken`);
    }
    const record: AccountRecord = {
      id,
      name: options.name ?? `Account ${id}`,
      createdOn: new Date().toISOString(),
      subdomain,
      scripts: [],
      namespaces: [],
    };
    accounts.set(id, record);
    return view(record);
  }

  function addToken(value: string, options: TokenOptions = {}): { id: string } {
    const granted = options.accounts ?? [main.accountId];
    const unknown = granted.find((id) => !accounts.has(id));
    if (unknown !== undefined) throw new Error(`no emulated account '${unknown}' (addAccount first)`);
    const id = hex32();
    tokens.set(value, {
      id,
      accounts: new Set(granted),
      permissions: new Set(options.permissions ?? allPermissions),
      status: options.status ?? "active",
      owner: options.owner ?? "user",
      expiresOn: options.expiresOn,
    });
    return { id };
  }

  function subdomainOwner(subdomain: string): AccountRecord | undefined {
    return [...accounts.values()].find((account) => account.subdomain === subdomain);
  }

  function account(id: string | undefined): AccountRecord {
    const record = id === undefined ? undefined : accounts.get(id);
    if (!record) throw new Error(`no emulated account '${id}'`);
    return record;
  }

  /** The account a Workers/KV route names; a foreign one is refused as the Pages area refuses it. */
  function target(request: EmulatorRequest): AccountRecord {
    const record = accounts.get(request.params.account!);
    if (!record) context.fail(403, authenticationError);
    return record;
  }

  /** The token's verification; null when this endpoint does not know it (answered 401/1000). */
  function verification(value: string, accountId?: string): RouteReply | null {
    const token = tokens.get(value);
    const known =
      accountId === undefined ? token?.owner === "user" : token?.owner === "account" && token.accounts.has(accountId);
    if (!token || !known) return null;
    return {
      result: { id: token.id, status: token.status, ...(token.expiresOn ? { expires_on: token.expiresOn } : {}) },
      // The live API adds this message (recorded in favonia/cloudflare-ddns's tests and a posted response).
      messages:
        token.status === "active" ? [{ code: 10000, message: "This API Token is valid and active", type: null }] : [],
    };
  }

  addAccount(main.accountId, { name: "SOS Test Account", workersDevSubdomain: main.workersDevSubdomain });
  addToken(main.token);

  // Verification takes any well-formed token: an unknown one is its answer, not a refusal.
  const anyToken = { authenticate: (headers: EmulatorRequest["headers"]) => void context.bearer(headers) };
  context.route(
    "GET",
    "/user/tokens/verify",
    (request) => verification(context.bearer(request.headers)) ?? context.fail(401, invalidToken),
    anyToken,
  );
  context.route(
    "GET",
    "/accounts/:account/tokens/verify",
    (request) =>
      verification(context.bearer(request.headers), request.params.account) ?? context.fail(401, invalidToken),
    anyToken,
  );

  context.route("GET", "/accounts", (request) => {
    const token = tokens.get(context.bearer(request.headers))!;
    const visible = [...accounts.values()].filter((record) => token.accounts.has(record.id));
    // 20 a page unless asked, at most 50 (the API reference's List Accounts parameters).
    return paged(request, visible.map(describeAccount), 20, 50);
  });

  // wrangler's whoami reads 9109 from /user as "no User Details permission" and 10000 from
  // /memberships as "no Memberships permission"; the wording of 9109 is the API's usual one.
  context.route("GET", "/user", () =>
    context.fail(403, { code: 9109, message: "Unauthorized to access requested resource" }),
  );
  context.route("GET", "/memberships", () => context.fail(403, authenticationError));

  context.route("GET", "/accounts/:account/workers/subdomain", (request) => {
    const { subdomain } = target(request);
    // wrangler (src/routes.ts) recognises a missing subdomain by code 10007 alone; the message is the
    // one users report with that code (EtherDream/jsproxy#116); the 404 status is an assumption.
    if (subdomain === null) context.fail(404, { code: 10007, message: "workers.api.error.not_found" });
    return { result: { subdomain } };
  });

  context.route("PUT", "/accounts/:account/workers/subdomain", (request) => {
    const record = target(request);
    const wanted = (request.body as { subdomain?: unknown } | undefined)?.subdomain;
    if (typeof wanted !== "string" || !subdomainPattern.test(wanted)) {
      // 10021 is the Workers API's validation code (a comment in wrangler says so); the wording is ours.
      context.fail(400, { code: 10021, message: `Invalid subdomain: ${JSON.stringify(wanted)}` });
    }
    // A second registration: the answer quoted in cloudflare/wrangler-legacy#207.
    if (record.subdomain !== null)
      context.fail(409, { code: 10036, message: "workers.api.error.account_has_subdomain" });
    // wrangler reads 10031 as "unavailable"; wrangler-legacy read 409 the same way. The wording is a guess.
    if (subdomainOwner(wanted)) context.fail(409, { code: 10031, message: "workers.api.error.subdomain_unavailable" });
    record.subdomain = wanted;
    return { result: { subdomain: wanted } };
  });

  // Not paginated (the SDKs read it as a single page).
  context.route("GET", "/accounts/:account/workers/scripts", (request) => ({
    result: target(request).scripts.map((script) => ({
      id: script.id,
      etag: script.etag,
      handlers: ["fetch"],
      created_on: script.createdOn,
      modified_on: script.createdOn,
      compatibility_date: "2025-01-01",
      compatibility_flags: [],
      has_assets: false,
      has_modules: true,
      logpush: false,
      last_deployed_from: "api",
      usage_model: "standard",
    })),
  }));

  /**
   * Uploading a Worker (module syntax, multipart: a `metadata` part with `main_module` and `bindings`,
   * then the modules), as the Cloudflare provider and wrangler do; the emulator keeps the name and the
   * bindings. Deleting one that is not there is 404 with 10007 (wrangler's WORKER_NOT_FOUND_ERR_CODE).
   */
  context.route("PUT", "/accounts/:account/workers/scripts/:script", async (request) => {
    const record = target(request);
    const contentType = String(request.headers["content-type"] ?? "");
    if (!contentType.startsWith("multipart/form-data")) {
      context.fail(400, { code: 10021, message: "Expected a multipart/form-data upload with a metadata part" });
    }
    const form = await new Response(request.rawBody, { headers: { "content-type": contentType } }).formData();
    const metadataPart = form.get("metadata");
    const metadataText =
      metadataPart === null ? "" : typeof metadataPart === "string" ? metadataPart : await metadataPart.text();
    let metadata: { main_module?: string; bindings?: unknown[] };
    try {
      metadata = JSON.parse(metadataText) as typeof metadata;
    } catch {
      context.fail(400, { code: 10021, message: "The metadata part is not JSON" });
    }
    const name = request.params.script!;
    const existing = record.scripts.find((script) => script.id === name);
    const now = new Date().toISOString();
    const script = existing ?? { id: name, etag: "", createdOn: now, bindings: [] };
    script.etag = hex32() + hex32();
    script.bindings = metadata.bindings ?? [];
    if (!existing) record.scripts.push(script);
    return { result: { id: name, etag: script.etag, created_on: script.createdOn, modified_on: now } };
  });

  context.route("DELETE", "/accounts/:account/workers/scripts/:script", (request) => {
    const record = target(request);
    const index = record.scripts.findIndex((script) => script.id === request.params.script);
    if (index < 0) context.fail(404, { code: 10007, message: "workers.api.error.script_not_found" });
    record.scripts.splice(index, 1);
    return { result: null };
  });

  /** KV namespaces: create (a title taken is 400 with 10014, as wrangler checks), read, rename, delete. */
  context.route("POST", "/accounts/:account/storage/kv/namespaces", (request) => {
    const record = target(request);
    const title = (request.body as { title?: unknown } | undefined)?.title;
    if (typeof title !== "string" || title === "") context.fail(400, { code: 10019, message: "a title is required" });
    if (record.namespaces.some((namespace) => namespace.title === title)) {
      context.fail(400, { code: 10014, message: "a namespace with this account ID and title already exists" });
    }
    const namespace = { id: hex32(), title };
    record.namespaces.push(namespace);
    return { result: { ...namespace, supports_url_encoding: true } };
  });

  function namespaceOf(request: EmulatorRequest): { id: string; title: string } {
    const namespace = target(request).namespaces.find((candidate) => candidate.id === request.params.namespace);
    // 10013 is an assumption: the reference names no code for an unknown namespace.
    if (!namespace) context.fail(404, { code: 10013, message: "namespace not found" });
    return namespace;
  }

  context.route("GET", "/accounts/:account/storage/kv/namespaces/:namespace", (request) => ({
    result: { ...namespaceOf(request), supports_url_encoding: true },
  }));

  context.route("PUT", "/accounts/:account/storage/kv/namespaces/:namespace", (request) => {
    const namespace = namespaceOf(request);
    const title = (request.body as { title?: unknown } | undefined)?.title;
    if (typeof title !== "string" || title === "") context.fail(400, { code: 10019, message: "a title is required" });
    namespace.title = title;
    return { result: { ...namespace, supports_url_encoding: true } };
  });

  context.route("DELETE", "/accounts/:account/storage/kv/namespaces/:namespace", (request) => {
    const record = target(request);
    const namespace = namespaceOf(request);
    record.namespaces.splice(record.namespaces.indexOf(namespace), 1);
    return { result: null };
  });

  context.route("GET", "/accounts/:account/storage/kv/namespaces", (request) => {
    const namespaces = [...target(request).namespaces];
    const order = request.query.get("order");
    if (order === "id" || order === "title") namespaces.sort((a, b) => a[order].localeCompare(b[order]));
    if (request.query.get("direction") === "desc") namespaces.reverse();
    const described = namespaces.map((namespace) => ({ ...namespace, supports_url_encoding: true }));
    // At most 1000 a page (API reference); the default of 20 is an assumption (wrangler always asks 100).
    return paged(request, described, 20, 1000);
  });

  return {
    addAccount,
    addToken,
    revokeToken(value) {
      if (!tokens.delete(value)) throw new Error("no emulated token of that value");
    },
    workersScripts: (accountId = main.accountId) =>
      account(accountId).scripts.map((script) => ({ name: script.id, bindings: script.bindings })),
    kvNamespaces: (accountId = main.accountId) => account(accountId).namespaces.map((namespace) => ({ ...namespace })),
    accounts: () => [...accounts.values()].map(view),
    createWorkersScript(name, accountId = main.accountId) {
      const record = account(accountId);
      if (record.scripts.some((script) => script.id === name)) throw new Error(`a Worker is already named '${name}'`);
      record.scripts.push({ id: name, etag: hex32() + hex32(), createdOn: new Date().toISOString(), bindings: [] });
    },
    createKvNamespace(title, accountId = main.accountId) {
      const record = account(accountId);
      // The API refuses a second namespace of the same title in an account (400).
      if (record.namespaces.some((namespace) => namespace.title === title))
        throw new Error(`a KV namespace is already titled '${title}'`);
      const namespace = { id: hex32(), title };
      record.namespaces.push(namespace);
      return { ...namespace };
    },
    authorize(value, pattern, params) {
      const token = tokens.get(value);
      if (!token || token.status !== "active") context.fail(403, authenticationError);
      const permission = permissionOf(pattern);
      const accountId = params.account;
      if (permission === undefined || accountId === undefined) return;
      // An account nobody registered is left to the area, which answers it its own way (D1: 7403).
      const reachable = token.accounts.has(accountId) || !accounts.has(accountId);
      if (!token.permissions.has(permission) || !reachable) context.fail(403, refusal(permission));
    },
  };
}

/** The permission a route needs, from its pattern; routes of no product area need none. */
function permissionOf(pattern: string[]): Permission | undefined {
  if (pattern[0] !== "accounts" || pattern[1] !== ":account") return undefined;
  const [product, resource] = pattern.slice(2);
  if (product === "d1") return "d1";
  if (product === "pages") return "pages";
  if (product === "storage" && resource === "kv") return "kv";
  if (product === "workers" && (resource === "scripts" || resource === "subdomain")) return "workers-scripts";
  return undefined;
}

/**
 * How each product refuses a token without its permission: D1 with its own 7403 (users' reports of
 * `wrangler d1` with a token lacking D1, e.g. docs.bloqr.dev KB-006), the others with 10000.
 */
function refusal(permission: Permission): ApiError {
  if (permission === "d1") {
    return { code: 7403, message: "The given account is not valid or is not authorized to access this service" };
  }
  return authenticationError;
}

/** A List Accounts entry (API reference: id, name, type, settings, created_on). */
function describeAccount(record: AccountRecord) {
  return {
    id: record.id,
    name: record.name,
    type: "standard",
    settings: { enforce_twofactor: false },
    created_on: record.createdOn,
  };
}

function view(record: AccountRecord): AccountView {
  return { id: record.id, name: record.name, workersDevSubdomain: record.subdomain };
}

function paged(request: EmulatorRequest, items: unknown[], defaultPerPage: number, maxPerPage: number): RouteReply {
  const page = positive(request.query.get("page"), 1);
  const perPage = Math.min(positive(request.query.get("per_page"), defaultPerPage), maxPerPage);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return { result: slice, resultInfo: { page, per_page: perPage, count: slice.length, total_count: items.length } };
}

function positive(value: string | null, fallback: number): number {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}

function hex32(): string {
  return randomUUID().replaceAll("-", "");
}
