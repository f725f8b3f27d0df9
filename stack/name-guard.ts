import * as pulumi from "@pulumi/pulumi";
import { CloudflareApiError, cloudflareListAll, cloudflareRequest } from "./cloudflare-api";
import { changedKeys, onlyTokenChanged, sameValue } from "./dynamic-inputs";
import type { ResourceNames } from "./names";

export interface NameGuardInputs {
  accountId: string;
  /** Secret; read inside the provider's methods, never captured by its serialized code. */
  apiToken: string;
  prefix: string;
  /** The Cloudflare names derived from the prefix. */
  names: ResourceNames;
  /** sos:adoptDatabaseId / sos:adoptKvNamespaceId: kept resources the stack takes over ("" when none). */
  adoptDatabaseId: string;
  adoptKvNamespaceId: string;
  /** sos:allowPrefixChange: the user's consent to new names on a deployed stack. */
  allowPrefixChange: boolean;
}

type Target = Pick<NameGuardInputs, "accountId" | "apiToken">;

const compared = [
  "accountId",
  "apiToken",
  "prefix",
  "names",
  "adoptDatabaseId",
  "adoptKvNamespaceId",
  "allowPrefixChange",
] as const;

interface Database {
  uuid: string;
  name: string;
}

interface Namespace {
  id: string;
  title: string;
}

function notFound(error: unknown): boolean {
  return error instanceof CloudflareApiError && error.status === 404;
}

async function findDatabase(target: Target, name: string): Promise<Database | undefined> {
  const listed = await cloudflareListAll<Database>(
    {
      token: target.apiToken,
      path: `/accounts/${target.accountId}/d1/database?name=${encodeURIComponent(name)}`,
      action: "list",
      resource: `D1 databases of account '${target.accountId}'`,
    },
    100,
  );
  // The name filter matches substrings.
  return listed.find((database) => database.name === name);
}

async function getDatabase(target: Target, uuid: string): Promise<Database | undefined> {
  try {
    return await cloudflareRequest<Database>({
      token: target.apiToken,
      method: "GET",
      path: `/accounts/${target.accountId}/d1/database/${uuid}`,
      action: "get",
      resource: `D1 database '${uuid}'`,
    });
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

async function workerExists(target: Target, name: string): Promise<boolean> {
  const scripts = await cloudflareRequest<{ id: string }[]>({
    token: target.apiToken,
    method: "GET",
    path: `/accounts/${target.accountId}/workers/scripts`,
    action: "list",
    resource: `Workers of account '${target.accountId}'`,
  });
  return scripts.some((script) => script.id === name);
}

async function findNamespace(target: Target, match: (namespace: Namespace) => boolean): Promise<Namespace | undefined> {
  const namespaces = await cloudflareListAll<Namespace>(
    {
      token: target.apiToken,
      path: `/accounts/${target.accountId}/storage/kv/namespaces`,
      action: "list",
      resource: `KV namespaces of account '${target.accountId}'`,
    },
    100,
  );
  return namespaces.find(match);
}

async function pagesProjectExists(target: Target, name: string): Promise<boolean> {
  try {
    await cloudflareRequest<unknown>({
      token: target.apiToken,
      method: "GET",
      path: `/accounts/${target.accountId}/pages/projects/${name}`,
      action: "get",
      resource: `Pages project '${name}'`,
    });
    return true;
  } catch (error) {
    if (notFound(error)) return false;
    throw error;
  }
}

/** The adopted resources exist; the problems in words when they do not. */
async function adoptionProblems(inputs: NameGuardInputs): Promise<string[]> {
  const problems: string[] = [];
  if (inputs.adoptDatabaseId && !(await getDatabase(inputs, inputs.adoptDatabaseId))) {
    problems.push(
      `sos:adoptDatabaseId: account ${inputs.accountId} has no D1 database ${inputs.adoptDatabaseId} ` +
        "(`npx wrangler d1 list` lists them).",
    );
  }
  if (inputs.adoptKvNamespaceId && !(await findNamespace(inputs, (ns) => ns.id === inputs.adoptKvNamespaceId))) {
    problems.push(
      `sos:adoptKvNamespaceId: account ${inputs.accountId} has no KV namespace ${inputs.adoptKvNamespaceId} ` +
        "(`npx wrangler kv namespace list` lists them).",
    );
  }
  return problems;
}

/**
 * Before a stack creates its resources: each name is free, or adopted. A database (or namespace) of the
 * stack's name with no Worker of its name is data an earlier deployment left, most often the database
 * `pulumi destroy` kept: the stack refuses to start beside it and says how to take it over. Both present
 * is a live deployment of this prefix: stacks deployed before this check existed, which own them.
 */
async function newDeploymentProblems(inputs: NameGuardInputs): Promise<string[]> {
  const { names } = inputs;
  const problems = await adoptionProblems(inputs);
  const worker = await workerExists(inputs, names.worker);
  const database = inputs.adoptDatabaseId ? undefined : await findDatabase(inputs, names.database);
  if (database && !worker) {
    problems.push(
      `A D1 database named '${database.name}' (${database.uuid}) already exists in account ${inputs.accountId}, ` +
        "with no Worker beside it: most likely the memories an earlier `pulumi destroy` kept. To take it over, " +
        `memories and applied migrations included: pulumi config set sos:adoptDatabaseId ${database.uuid}, then ` +
        `pulumi up. To start with an empty database instead, delete it first (npx wrangler d1 delete ${database.name}: ` +
        "its memories are lost) or choose another sos:prefix.",
    );
  }
  if (worker && !database && !inputs.adoptDatabaseId) {
    problems.push(
      `A Worker named '${names.worker}' already exists in account ${inputs.accountId} and no D1 database ` +
        `'${names.database}' beside it: it is not this deployment's, and deploying would replace it. ` +
        "Choose another prefix: pulumi config set sos:prefix <prefix>.",
    );
  }
  if (!inputs.adoptKvNamespaceId && !worker) {
    const namespace = await findNamespace(inputs, (ns) => ns.title === names.kvNamespace);
    if (namespace) {
      problems.push(
        `A KV namespace titled '${namespace.title}' (${namespace.id}) already exists in account ${inputs.accountId}, ` +
          `left by an earlier deployment. To take it over: pulumi config set sos:adoptKvNamespaceId ${namespace.id}; ` +
          `or delete it: npx wrangler kv namespace delete --namespace-id ${namespace.id}.`,
      );
    }
  }
  if (!worker && (await pagesProjectExists(inputs, names.pages))) {
    problems.push(
      `A Pages project named '${names.pages}' already exists in account ${inputs.accountId}, left by an earlier ` +
        `deployment: delete it (npx wrangler pages project delete ${names.pages}) or choose another sos:prefix.`,
    );
  }
  return problems;
}

/** After an allowed prefix change: the names to be created are free. */
async function renameProblems(inputs: NameGuardInputs): Promise<string[]> {
  const { names } = inputs;
  const taken: string[] = [];
  if (await workerExists(inputs, names.worker)) taken.push(`a Worker named '${names.worker}' exists`);
  if (await pagesProjectExists(inputs, names.pages)) taken.push(`a Pages project named '${names.pages}' exists`);
  if (await findNamespace(inputs, (ns) => ns.title === names.kvNamespace)) {
    taken.push(`a KV namespace titled '${names.kvNamespace}' exists`);
  }
  return taken.length === 0
    ? []
    : [
        `The new prefix '${inputs.prefix}' is taken in account ${inputs.accountId}: ${taken.join("; ")}. Nothing was renamed.`,
      ];
}

function refuse(problems: string[]): void {
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

function prefixChangeRefusal(olds: NameGuardInputs, news: NameGuardInputs): Error {
  return new Error(
    `sos:prefix changed from '${olds.prefix}' to '${news.prefix}' on a deployed stack; nothing was changed. ` +
      `Deploying it would create the Worker, the KV namespace and the Pages project again under the new names ` +
      `(sessions start empty, the chat app moves to https://${news.names.pages}.pages.dev) and delete the old ` +
      `ones; the D1 database would keep its name '${olds.names.database}' and its memories. ` +
      `To keep the current names: pulumi config set sos:prefix ${olds.prefix}. ` +
      "To rename anyway: pulumi config set sos:allowPrefixChange true, pulumi up, then pulumi config rm sos:allowPrefixChange.",
  );
}

/**
 * Guards the stack's names: checked free (or adopted) before anything is created, and a change of
 * prefix on a deployed stack refused at preview unless allowed.
 */
export const nameGuardProvider: pulumi.dynamic.ResourceProvider<NameGuardInputs, NameGuardInputs> = {
  async create(inputs) {
    refuse(await newDeploymentProblems(inputs));
    return { id: `${inputs.accountId}/${inputs.prefix}`, outs: inputs };
  },

  async diff(_id, olds, news) {
    if (olds.accountId !== news.accountId)
      return { changes: true, replaces: ["accountId"], deleteBeforeReplace: false };
    if (!sameValue(olds.names, news.names) && !news.allowPrefixChange) throw prefixChangeRefusal(olds, news);
    return { changes: changedKeys(olds, news, compared).length > 0 };
  },

  async update(_id, olds, news) {
    if (onlyTokenChanged(olds, news, compared)) return { outs: { ...olds, apiToken: news.apiToken } };
    const problems = [
      ...(sameValue(olds.names, news.names) ? [] : await renameProblems(news)),
      ...(olds.adoptDatabaseId === news.adoptDatabaseId && olds.adoptKvNamespaceId === news.adoptKvNamespaceId
        ? []
        : await adoptionProblems(news)),
    ];
    refuse(problems);
    return { outs: news };
  },

  async read(id, props) {
    if (!props) throw new Error(`names ${id}: nothing to refresh from`);
    return { id, props };
  },

  async delete() {},
};

export interface NameGuardArgs {
  accountId: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
  prefix: string;
  names: ResourceNames;
  adoptDatabaseId: string;
  adoptKvNamespaceId: string;
  allowPrefixChange: boolean;
}

/** The stack's names in the account: every resource that carries one depends on this. */
export class NameGuard extends pulumi.dynamic.Resource {
  constructor(name: string, args: NameGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      nameGuardProvider,
      name,
      { ...args, apiToken: pulumi.secret(args.apiToken) },
      {
        ...opts,
        additionalSecretOutputs: ["apiToken"],
      },
    );
  }
}
