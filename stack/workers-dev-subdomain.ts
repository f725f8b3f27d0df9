import * as pulumi from "@pulumi/pulumi";
import { CloudflareApiError, getWorkersDevSubdomain, noWorkersDevSubdomainCode } from "./cloudflare-api";
import { changedKeys, onlyTokenChanged } from "./dynamic-inputs";

export interface WorkersDevSubdomainInputs {
  accountId: string;
  /** Secret; read inside the provider's methods, never captured by its serialized code. */
  apiToken: string;
}

export interface WorkersDevSubdomainState extends WorkersDevSubdomainInputs {
  /** `<subdomain>` of `<script>.<subdomain>.workers.dev`. */
  subdomain: string;
}

const compared = ["accountId", "apiToken"] as const;

/** The account's subdomain, or an error saying what to do when it has none yet (wrangler's case too). */
async function readSubdomain(inputs: WorkersDevSubdomainInputs): Promise<string> {
  try {
    return await getWorkersDevSubdomain(inputs.apiToken, inputs.accountId);
  } catch (error) {
    if (!(error instanceof CloudflareApiError && error.codes.includes(noWorkersDevSubdomainCode))) throw error;
    throw new Error(
      `Account ${inputs.accountId} has no workers.dev subdomain yet, and SOS serves its worker there ` +
        `(${error.message}). Register one at https://dash.cloudflare.com/${inputs.accountId}/workers/onboarding ` +
        "(opening Workers & Pages in the dashboard once does it), then run `pulumi up` again; or, if you know it, " +
        "set it: pulumi config set sos:workersDevSubdomain <subdomain>",
    );
  }
}

/**
 * Reads the subdomain when the resource is created and on refresh, never while the program is
 * evaluated: a preview needs no network, and shows the worker's URL as unknown until the first deploy.
 */
export const workersDevSubdomainProvider: pulumi.dynamic.ResourceProvider<
  WorkersDevSubdomainInputs,
  WorkersDevSubdomainState
> = {
  async create(inputs) {
    return {
      id: `${inputs.accountId}/workers-dev-subdomain`,
      outs: { ...inputs, subdomain: await readSubdomain(inputs) },
    };
  },

  /** Another account is another subdomain; a new token is an update that reads nothing. */
  async diff(_id, olds, news) {
    if (olds.accountId !== news.accountId)
      return { changes: true, replaces: ["accountId"], deleteBeforeReplace: false };
    return { changes: changedKeys(olds, news, compared).length > 0 };
  },

  async update(_id, olds, news) {
    if (onlyTokenChanged(olds, news, compared)) return { outs: { ...olds, apiToken: news.apiToken } };
    return { outs: { ...news, subdomain: await readSubdomain(news) } };
  },

  /** Refresh: a subdomain renamed in the dashboard is read again (the next `pulumi up` follows it). */
  async read(id, props) {
    if (!props) throw new Error(`workers.dev subdomain ${id}: nothing to refresh from`);
    return { id, props: { ...props, subdomain: await readSubdomain(props) } };
  },

  async delete() {},
};

export interface WorkersDevSubdomainArgs {
  accountId: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
}

/** The account's workers.dev subdomain, read at deploy time with the stack's token. */
export class WorkersDevSubdomain extends pulumi.dynamic.Resource {
  declare readonly subdomain: pulumi.Output<string>;

  constructor(name: string, args: WorkersDevSubdomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      workersDevSubdomainProvider,
      name,
      { accountId: args.accountId, apiToken: pulumi.secret(args.apiToken), subdomain: undefined },
      { ...opts, additionalSecretOutputs: ["apiToken"] },
    );
  }
}
