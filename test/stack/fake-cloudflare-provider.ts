import { readFileSync } from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * What the Cloudflare provider plugin (a downloaded binary, not here) does for the stack's resource
 * types, reduced to the API calls that matter to the stack's data: against the emulator, with the
 * token of the stack's explicit provider as the engine holds it. Which inputs replace a resource
 * follows the provider's schema (a D1 database's or a Pages project's name, a Worker's script name).
 */

export interface ProviderContext {
  base: string;
  token: string;
}

export interface FakeResourceProvider {
  create(inputs: Inputs, context: ProviderContext): Promise<{ id: string; outputs: Inputs }>;
  /** The resource as the account holds it; undefined when it is gone. */
  read(id: string, inputs: Inputs, context: ProviderContext): Promise<Inputs | undefined>;
  update(id: string, olds: Inputs, news: Inputs, context: ProviderContext): Promise<Inputs>;
  delete(id: string, outputs: Inputs, context: ProviderContext): Promise<void>;
  /** The inputs whose change replaces the resource. */
  replaceOn: string[];
}

type Inputs = Record<string, unknown>;

export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api(context: ProviderContext, method: string, apiPath: string, body?: unknown): Promise<Inputs> {
  const form = body instanceof FormData;
  const response = await fetch(`${context.base}${apiPath}`, {
    method,
    headers: {
      authorization: `Bearer ${context.token}`,
      ...(body === undefined || form ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
  });
  const envelope = (await response.json()) as {
    success: boolean;
    errors: { code: number; message: string }[];
    result: Inputs;
  };
  if (!envelope.success) {
    const cause = envelope.errors.map((error) => `${error.message} [code: ${error.code}]`).join("; ");
    throw new FakeApiError(response.status, `${method} ${apiPath}: ${response.status} ${cause}`);
  }
  return envelope.result;
}

async function orGone<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof FakeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** `<account>/<id>`, the import id of every type the stack adopts. */
function importedId(id: string): string {
  return id.includes("/") ? id.split("/")[1]! : id;
}

const database: FakeResourceProvider = {
  replaceOn: ["accountId", "name"],
  async create(inputs, context) {
    const created = await api(context, "POST", `/accounts/${inputs.accountId}/d1/database`, { name: inputs.name });
    return { id: String(created.uuid), outputs: { ...inputs, uuid: created.uuid, name: created.name } };
  },
  async read(id, inputs, context) {
    const accountId = id.includes("/") ? id.split("/")[0] : inputs.accountId;
    const found = await orGone(api(context, "GET", `/accounts/${accountId}/d1/database/${importedId(id)}`));
    return found && { accountId, name: found.name, uuid: found.uuid };
  },
  async update(_id, olds, news) {
    return { ...olds, ...news };
  },
  async delete(id, outputs, context) {
    await api(context, "DELETE", `/accounts/${outputs.accountId}/d1/database/${id}`);
  },
};

const namespace: FakeResourceProvider = {
  replaceOn: ["accountId"],
  async create(inputs, context) {
    const created = await api(context, "POST", `/accounts/${inputs.accountId}/storage/kv/namespaces`, {
      title: inputs.title,
    });
    return { id: String(created.id), outputs: { ...inputs } };
  },
  async read(id, inputs, context) {
    const accountId = id.includes("/") ? id.split("/")[0] : inputs.accountId;
    const found = await orGone(api(context, "GET", `/accounts/${accountId}/storage/kv/namespaces/${importedId(id)}`));
    return found && { accountId, title: found.title };
  },
  async update(id, olds, news, context) {
    if (olds.title !== news.title) {
      await api(context, "PUT", `/accounts/${news.accountId}/storage/kv/namespaces/${id}`, { title: news.title });
    }
    return { ...news };
  },
  async delete(id, outputs, context) {
    await api(context, "DELETE", `/accounts/${outputs.accountId}/storage/kv/namespaces/${id}`);
  },
};

/** The module upload: metadata (main module, bindings as the API names them) and the bundle, read from contentFile. */
async function uploadScript(inputs: Inputs, context: ProviderContext): Promise<void> {
  const bindings = (inputs.bindings as Inputs[]).map(({ namespaceId, ...binding }) =>
    namespaceId === undefined ? binding : { ...binding, namespace_id: namespaceId },
  );
  const form = new FormData();
  form.set("metadata", JSON.stringify({ main_module: inputs.mainModule, bindings }));
  const code = readFileSync(path.resolve(String(inputs.contentFile)));
  form.set(
    String(inputs.mainModule),
    new Blob([code], { type: "application/javascript+module" }),
    String(inputs.mainModule),
  );
  await api(context, "PUT", `/accounts/${inputs.accountId}/workers/scripts/${inputs.scriptName}`, form);
}

const script: FakeResourceProvider = {
  replaceOn: ["accountId", "scriptName"],
  async create(inputs, context) {
    await uploadScript(inputs, context);
    return { id: String(inputs.scriptName), outputs: { ...inputs } };
  },
  async read(id, inputs) {
    return { ...inputs, scriptName: id };
  },
  async update(_id, _olds, news, context) {
    await uploadScript(news, context);
    return { ...news };
  },
  async delete(id, outputs, context) {
    await api(context, "DELETE", `/accounts/${outputs.accountId}/workers/scripts/${id}`);
  },
};

const pagesProject: FakeResourceProvider = {
  replaceOn: ["accountId", "name"],
  async create(inputs, context) {
    await api(context, "POST", `/accounts/${inputs.accountId}/pages/projects`, {
      name: inputs.name,
      production_branch: inputs.productionBranch,
    });
    return { id: String(inputs.name), outputs: { ...inputs, subdomain: `${inputs.name}.pages.dev` } };
  },
  async read(id, inputs, context) {
    const found = await orGone(api(context, "GET", `/accounts/${inputs.accountId}/pages/projects/${importedId(id)}`));
    return found && { ...inputs, subdomain: found.subdomain };
  },
  async update(_id, olds, news) {
    return { ...olds, ...news };
  },
  async delete(id, outputs, context) {
    await api(context, "DELETE", `/accounts/${outputs.accountId}/pages/projects/${id}`);
  },
};

/** Resources whose calls the emulator does not serve and which hold no data: recorded, nothing sent. */
function local(replaceOn: string[], compute: (inputs: Inputs) => Inputs = () => ({})): FakeResourceProvider {
  return {
    replaceOn,
    async create(inputs) {
      return { id: `local-${randomBytes(6).toString("hex")}`, outputs: { ...inputs, ...compute(inputs) } };
    },
    async read(_id, inputs) {
      return inputs;
    },
    async update(_id, olds, news) {
      return { ...olds, ...news };
    },
    async delete() {},
  };
}

export const fakeProviders: Record<string, FakeResourceProvider> = {
  "cloudflare:index/d1Database:D1Database": database,
  "cloudflare:index/workersKvNamespace:WorkersKvNamespace": namespace,
  "cloudflare:index/workersScript:WorkersScript": script,
  "cloudflare:index/pagesProject:PagesProject": pagesProject,
  "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain": local(["accountId", "scriptName"]),
  "cloudflare:index/workersCronTrigger:WorkersCronTrigger": local(["accountId", "scriptName"]),
  "random:index/randomPassword:RandomPassword": local(["length", "special"], () => ({
    result: randomBytes(24).toString("hex"),
  })),
};
