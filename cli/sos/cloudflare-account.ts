import { CloudflareApiError, cloudflareRequest, type ApiCall } from "../../stack/cloudflare-api";
import { SosError } from "./errors";

/**
 * What `sos init` and `sos doctor` ask Cloudflare before a deployment: is the token valid, which
 * accounts it reaches, whether it may manage what the stack creates, the account's workers.dev
 * subdomain, and how many D1 databases the account holds (the free plan allows 10).
 */

const tokensPage = "https://dash.cloudflare.com/profile/api-tokens";

/** Permission groups as the dashboard's token form names them ("Account > Workers Scripts > Edit"). */
const group = {
  d1: "Account > D1 > Edit",
  kv: "Account > Workers KV Storage > Edit",
  scripts: "Account > Workers Scripts > Edit",
  pages: "Account > Cloudflare Pages > Edit",
} as const;

export interface VerifiedToken {
  id: string;
  status: "active";
  expiresOn?: string;
  /** "account" for an Account API Token (created under Manage Account > Account API Tokens). */
  owner: "user" | "account";
}

export interface Account {
  id: string;
  name: string;
}

export interface PermissionCheck {
  capability: string;
  ok: boolean;
  /** The permission group to add to the token, when `ok` is false. */
  fix?: string;
}

interface TokenVerification {
  id: string;
  status: "active" | "disabled" | "expired";
  expires_on?: string;
}

/** The token, if Cloudflare knows it and it is active; otherwise a SosError saying what to do. */
export async function verifyToken(token: string): Promise<VerifiedToken> {
  let verified: TokenVerification | undefined;
  let owner: VerifiedToken["owner"] = "user";
  try {
    verified = await verify(token, "/user/tokens/verify");
  } catch (error) {
    if (!isRefusedToken(error)) throw error;
    verified = await verifyAccountOwned(token);
    owner = "account";
    if (!verified) {
      throw new SosError(
        `The Cloudflare API token is not valid (${(error as Error).message}): create one at ${tokensPage} ` +
          `with ${Object.values(group).join(", ")}, then give it to sos again.`,
      );
    }
  }
  if (verified.status !== "active") {
    throw new SosError(
      `The Cloudflare API token is ${verified.status}: roll it or create a new one at ${tokensPage}, then give it to sos again.`,
    );
  }
  return { id: verified.id, status: "active", expiresOn: verified.expires_on, owner };
}

function verify(token: string, path: string): Promise<TokenVerification> {
  return cloudflareRequest({ token, method: "GET", path, action: "verify", resource: "the API token" });
}

/**
 * /user/tokens/verify answers an Account API Token with the same 1000 as a bad token (wrangler's
 * whoami tells the two apart that way): such a token lists its one account, under which it verifies.
 */
async function verifyAccountOwned(token: string): Promise<TokenVerification | undefined> {
  try {
    const [account] = await cloudflareRequest<Account[]>({
      token,
      method: "GET",
      path: "/accounts",
      action: "list",
      resource: "accounts",
    });
    return account && (await verify(token, `/accounts/${account.id}/tokens/verify`));
  } catch {
    return undefined;
  }
}

/** Every account the token reaches. */
export async function listAccounts(token: string): Promise<Account[]> {
  const accounts = await listAll<Account>({ token, path: "/accounts", resource: "accounts" }, 50);
  return accounts.map(({ id, name }) => ({ id, name }));
}

/**
 * One entry per capability the stack needs, probed concurrently with read-only list calls. A read
 * can show a permission is missing but cannot prove Edit is granted (a Read-only token passes), which
 * is why every fix names the Edit group. The workers.dev subdomain endpoints accept Workers Scripts
 * (API reference, Get Subdomain), so its fix is that group too.
 */
export async function checkPermissions(token: string, accountId: string): Promise<PermissionCheck[]> {
  const account = `/accounts/${accountId}`;
  const probes: [capability: string, fix: string, path: string][] = [
    ["D1 databases", group.d1, `${account}/d1/database?per_page=10`],
    ["Workers KV namespaces", group.kv, `${account}/storage/kv/namespaces?per_page=1`],
    ["Workers scripts", group.scripts, `${account}/workers/scripts`],
    ["workers.dev subdomain", group.scripts, `${account}/workers/subdomain`],
    ["Cloudflare Pages projects", group.pages, `${account}/pages/projects?per_page=1`],
  ];
  return Promise.all(
    probes.map(async ([capability, fix, path]): Promise<PermissionCheck> => {
      try {
        await cloudflareRequest({ token, method: "GET", path, action: "probe", resource: capability });
        return { capability, ok: true };
      } catch (error) {
        // An account without a subdomain answers 10007: the token could read it, so it is allowed.
        if (hasCode(error, noSubdomain)) return { capability, ok: true };
        // 10000 from most products, 7403 from D1, both with 403: anything else is not about permissions.
        if (error instanceof CloudflareApiError && error.status === 403) return { capability, ok: false, fix };
        throw error;
      }
    }),
  );
}

/** The account's workers.dev subdomain ("<name>" of <name>.workers.dev), or null when it has none. */
export async function getWorkersDevSubdomain(token: string, accountId: string): Promise<string | null> {
  try {
    const { subdomain } = await cloudflareRequest<{ subdomain: string }>({
      token,
      method: "GET",
      path: `/accounts/${accountId}/workers/subdomain`,
      action: "get",
      resource: `the workers.dev subdomain of account '${accountId}'`,
    });
    return subdomain;
  } catch (error) {
    // Exactly what wrangler checks (src/routes.ts getWorkersDevSubdomain): code 10007.
    if (hasCode(error, noSubdomain)) return null;
    throw error;
  }
}

/** What to do about a missing subdomain, in wrangler's words and with its link. */
export function noWorkersDevSubdomainMessage(accountId: string): string {
  return (
    "You need to register a workers.dev subdomain before publishing to workers.dev: SOS serves its worker there. " +
    `Register one at https://dash.cloudflare.com/${accountId}/workers/onboarding ` +
    "(opening Workers & Pages in the dashboard for the first time also creates one), then run sos again."
  );
}

/** How many D1 databases the account holds. */
export async function countD1Databases(token: string, accountId: string): Promise<number> {
  const databases = await listAll({ token, path: `/accounts/${accountId}/d1/database`, resource: "D1 databases" }, 100);
  return databases.length;
}

const noSubdomain = 10007;

/** 1000 is "Invalid API Token" from the verify endpoint; 6003 a token that is not even well-formed. */
function isRefusedToken(error: unknown): boolean {
  return hasCode(error, 1000) || hasCode(error, 6003);
}

function hasCode(error: unknown, code: number): boolean {
  return error instanceof CloudflareApiError && error.codes.includes(code);
}

/**
 * Every item of a page-numbered list. cloudflareRequest hands back `result` without `result_info`,
 * so a page shorter than the longest one seen (or empty) is taken as the last: that holds even where
 * the API serves fewer a page than asked, at the cost of one more request when a list fits one page.
 */
async function listAll<T>(call: Pick<ApiCall, "token" | "path" | "resource">, perPage: number): Promise<T[]> {
  const items: T[] = [];
  let longest = 0;
  for (let page = 1; ; page++) {
    const path = `${call.path}?page=${page}&per_page=${perPage}`;
    const batch = await cloudflareRequest<T[]>({ ...call, path, method: "GET", action: "list" });
    items.push(...batch);
    longest = Math.max(longest, batch.length);
    if (batch.length === 0 || batch.length < longest) return items;
  }
}
