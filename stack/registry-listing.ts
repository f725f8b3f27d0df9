import * as pulumi from "@pulumi/pulumi";
import { registrationPayload, type RegistrationPayload } from "../worker/outbound/payloads";
import { backoffDelay, retryAfterMs, withRetries, type RetryVerdict } from "./cloudflare-api";

export interface RegistryListingInputs {
  /** e.g. https://mumega.com/registry; the listing is `POST <registryUrl>/register`. */
  registryUrl: string;
  /** Exactly what the public sees, validated against the strict registration schema. */
  payload: RegistrationPayload;
}

export interface RegistryListingState extends RegistryListingInputs {
  /** The registry's management token for this listing (a secret output). */
  token: string;
}

/** What the registry answers to a registration. */
interface RegistrationReply {
  token?: string;
}

/** A failed registry call: `status` 0 when it got no answer. */
class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    // As CloudflareApiError: the serialized `super` call sets no message.
    this.message = message;
    this.name = "RegistryError";
  }
}

/** The same policy as Cloudflare's calls: 429 (after Retry-After), 5xx and no answer are tried again. */
const registryVerdict: RetryVerdict = (error, failures, policy) =>
  error instanceof RegistryError && (error.status === 0 || error.status === 429 || error.status >= 500)
    ? backoffDelay(failures, policy, error.retryAfterMs)
    : undefined;

/** One registry call, retried; errors name the registry, the action and the HTTP status. */
async function registryCall(
  registryUrl: string,
  action: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return withRetries(
    (tryNumber) => registryCallOnce(registryUrl, action, method, path, token, body, tryNumber),
    registryVerdict,
  );
}

async function registryCallOnce(
  registryUrl: string,
  action: string,
  method: string,
  path: string,
  token: string | undefined,
  body: unknown,
  tryNumber: number,
): Promise<{ status: number; json: unknown }> {
  const base = registryUrl.replace(/\/+$/, "");
  const tries = tryNumber > 1 ? ` (after ${tryNumber} attempts)` : "";
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    text = await response.text();
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
    throw new RegistryError(
      `Yellow Pages registry ${base}: ${action} failed: ${error instanceof Error ? error.message : error}` +
        `${cause ? ` (${cause})` : ""}${tries}`,
      0,
    );
  }
  if (!response.ok && !(method === "DELETE" && response.status === 404)) {
    throw new RegistryError(
      `Yellow Pages registry ${base}: ${action} answered ${response.status} ${response.statusText}` +
        (text ? `: ${text.slice(0, 200)}` : "") +
        tries,
      response.status,
      retryAfterMs(response.headers.get("retry-after")),
    );
  }
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

/** Registers (or, with the management token, re-registers) and returns the token to keep. */
async function register(inputs: RegistryListingInputs, token?: string): Promise<string> {
  const { json } = await registryCall(inputs.registryUrl, "register", "POST", "/register", token, inputs.payload);
  const issued = (json as RegistrationReply | undefined)?.token;
  if (typeof issued === "string" && issued !== "") return issued;
  if (token) return token;
  throw new Error(`Yellow Pages registry ${inputs.registryUrl}: register answered without a management token`);
}

export const registryListingProvider: pulumi.dynamic.ResourceProvider<RegistryListingInputs, RegistryListingState> = {
  async create(inputs) {
    const token = await register(inputs);
    return { id: inputs.payload.agent_id, outs: { ...inputs, token } };
  },

  /** A new registry or agent id is a new listing; any other public field is re-registered. */
  async diff(_id, olds, news) {
    const replaces = [
      ...(olds.registryUrl !== news.registryUrl ? ["registryUrl"] : []),
      ...(olds.payload.agent_id !== news.payload.agent_id ? ["payload"] : []),
    ];
    const changes = replaces.length > 0 || JSON.stringify(olds.payload) !== JSON.stringify(news.payload);
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id, olds, news) {
    const token = await register(news, olds.token);
    return { outs: { ...news, token } };
  },

  /** Unregisters with the management token; a listing already gone counts as removed. */
  async delete(_id, props) {
    await registryCall(
      props.registryUrl,
      "unregister",
      "DELETE",
      `/register/${encodeURIComponent(props.payload.agent_id)}`,
      props.token,
    );
  },
};

/** The registration payload, checked against the strict schema: it fails here, before any request. */
export function listingPayload(profile: {
  agentId: string;
  name: string;
  skills: string[];
  callbackUrl: string;
}): RegistrationPayload {
  return registrationPayload.parse({
    agent_id: profile.agentId,
    public_profile: { name: profile.name, skills: profile.skills, uv_public: { coherence: null } },
    callback_url: profile.callbackUrl,
  });
}

export interface RegistryListingArgs {
  registryUrl: pulumi.Input<string>;
  agentId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  skills: pulumi.Input<string[]>;
  /** Where other agents write to: the worker's POST /api/contact unless configured otherwise. */
  callbackUrl: pulumi.Input<string>;
}

/**
 * The opt-in Yellow Pages listing: only the agent id, a public name and skills, the public coherence
 * slot and the callback URL ever reach the registry. The coherence is registered as null: only the
 * worker knows the live value, and its daily heartbeat publishes it when sharing is on.
 * `pulumi preview --diff` shows each changed public field.
 */
export class RegistryListing extends pulumi.dynamic.Resource {
  declare readonly token: pulumi.Output<string>;
  declare readonly payload: pulumi.Output<RegistrationPayload>;

  constructor(name: string, args: RegistryListingArgs, opts?: pulumi.CustomResourceOptions) {
    const payload = pulumi
      .all([args.agentId, args.name, args.skills, args.callbackUrl])
      .apply(([agentId, publicName, skills, callbackUrl]) =>
        listingPayload({ agentId, name: publicName, skills, callbackUrl }),
      );
    super(
      registryListingProvider,
      name,
      { registryUrl: args.registryUrl, payload, token: undefined },
      { ...opts, additionalSecretOutputs: ["token"] },
    );
  }
}
