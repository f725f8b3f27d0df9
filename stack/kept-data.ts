import * as pulumi from "@pulumi/pulumi";
import { changedKeys } from "./dynamic-inputs";

export interface KeptDataInputs {
  accountId: string;
  databaseId: string;
  databaseName: string;
  /** The prefix of the stack that kept it: coming back under another one renames the rest. */
  prefix: string;
  /** sos:retainData when the state was last written: whether `pulumi destroy` keeps the database. */
  retained: boolean;
}

const compared = ["accountId", "databaseId", "databaseName", "prefix", "retained"] as const;

/** What `pulumi destroy` prints when it keeps the database: what was kept and the exact way back. */
export function keptDataNotice(inputs: KeptDataInputs): string {
  return [
    `Kept: the D1 database '${inputs.databaseName}' (${inputs.databaseId}) in account ${inputs.accountId}, with every ` +
      "memory and its applied migrations (sos:retainData is true).",
    "To come back to it, with this stack or a new one in the same account:",
    `  pulumi config set sos:accountId ${inputs.accountId}`,
    `  pulumi config set sos:prefix ${inputs.prefix}`,
    `  pulumi config set sos:adoptDatabaseId ${inputs.databaseId}`,
    "  pulumi up",
    `To delete it and its memories instead: npx wrangler d1 delete ${inputs.databaseName}`,
  ].join("\n");
}

/**
 * Holds no Cloudflare resource: its delete runs during `pulumi destroy` just before the database's
 * (which depends on nothing it does not), and prints the notice to its standard output, which the
 * engine shows among the run's diagnostics. A replaced database's notice is printed the same way.
 */
export const keptDataProvider: pulumi.dynamic.ResourceProvider<KeptDataInputs, KeptDataInputs> = {
  async create(inputs) {
    return { id: `${inputs.databaseId}/kept-data`, outs: inputs };
  },

  async diff(_id, olds, news) {
    const replaces = (["accountId", "databaseId"] as const).filter((key) => olds[key] !== news[key]);
    if (replaces.length > 0) return { changes: true, replaces: [...replaces], deleteBeforeReplace: false };
    return { changes: changedKeys(olds, news, compared).length > 0 };
  },

  async update(_id, _olds, news) {
    return { outs: news };
  },

  async delete(_id, props) {
    if (props.retained) console.log(keptDataNotice(props));
  },
};

export interface KeptDataArgs {
  accountId: pulumi.Input<string>;
  databaseId: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  prefix: string;
  retained: boolean;
}

/** Says, on `pulumi destroy`, which database was kept and the configuration that comes back to it. */
export class KeptData extends pulumi.dynamic.Resource {
  constructor(name: string, args: KeptDataArgs, opts?: pulumi.CustomResourceOptions) {
    super(keptDataProvider, name, { ...args }, opts);
  }
}
