import * as pulumi from "@pulumi/pulumi";
import { CloudflareApiError, cloudflareListAll, cloudflareRequest } from "./cloudflare-api";
import { changedKeys } from "./dynamic-inputs";
import { attachPagesHeaders, readPagesHeaders } from "./pages-headers";
import { readPagesManifest, type PagesManifest } from "./pages-manifest";
import { checkBuildUnchanged, manifestChanges } from "./pages-upload-plan";
import { projectResource, uploadAssets } from "./pages-upload-session";

export interface PagesDeploymentInputs {
  accountId: string;
  /** The direct-upload Pages project the build is deployed to. */
  projectName: string;
  /** Secret; read inside the provider's methods, never captured by its serialized code. */
  apiToken: string;
  /**
   * The build folder, relative to the working folder (the program's and the provider's): state names no
   * path of the machine that deployed. Not compared by diff (the manifest says what it holds).
   */
  buildDir: string;
  /** The production branch deploys to production; any other is a preview. */
  branch: string;
  /** Every file of the build by `"/path"`, read by readPagesManifest. */
  files: PagesManifest;
  /** How many deployments of the branch's environment are kept, the live one included; older ones are deleted. */
  keepDeployments: number;
  /** The build's `_headers` ("" without one), sent with the deployment; a change is a new deployment. */
  headers?: string;
}

export interface PagesDeploymentState extends PagesDeploymentInputs {
  /** The deployment made by the last create or update ("" after a refresh found it gone). */
  deploymentId: string;
  /** Its own URL, `https://<short id>.<project>.pages.dev`. */
  url: string;
}

/** A deployment as the list endpoint describes it (the fields read here). */
interface ListedDeployment {
  id: string;
  environment: "production" | "preview";
  created_on: string;
}

type Target = Pick<PagesDeploymentInputs, "accountId" | "projectName" | "apiToken">;

/** Compared by diff: a change of any is an update (the token's and the count's without a new deployment). */
const compared = ["branch", "apiToken", "keepDeployments"] as const;

function deploymentsPath(target: Target): string {
  return `/accounts/${target.accountId}/pages/projects/${target.projectName}/deployments`;
}

async function createDeployment(
  inputs: PagesDeploymentInputs,
): Promise<{ id: string; url: string; environment: string }> {
  const manifest = Object.fromEntries(Object.entries(inputs.files).map(([file, { hash }]) => [file, hash]));
  const form = new FormData();
  form.set("manifest", JSON.stringify(manifest));
  form.set("branch", inputs.branch);
  attachPagesHeaders(form, inputs.headers);
  return cloudflareRequest({
    token: inputs.apiToken,
    method: "POST",
    path: deploymentsPath(inputs),
    action: "create deployment of",
    resource: projectResource(inputs),
    body: form,
  });
}

/** Every deployment of the project (of one environment when given), newest first. */
async function listDeployments(target: Target, environment?: string): Promise<ListedDeployment[]> {
  const listed = await cloudflareListAll<ListedDeployment>(
    {
      token: target.apiToken,
      path: `${deploymentsPath(target)}${environment ? `?env=${environment}` : ""}`,
      action: "list deployments of",
      resource: projectResource(target),
    },
    // The most the endpoint serves a page.
    25,
  );
  return listed.sort((a, b) => Date.parse(b.created_on) - Date.parse(a.created_on));
}

/**
 * Deletes one deployment. `force=true`, as wrangler's `pages deployment delete --force` sends it: the
 * deployment just replaced can still carry an alias for a moment, and Pages refuses an aliased one
 * without it. One already gone counts as deleted.
 */
async function deleteDeployment(target: Target, id: string): Promise<void> {
  try {
    await cloudflareRequest<unknown>({
      token: target.apiToken,
      method: "DELETE",
      path: `${deploymentsPath(target)}/${id}?force=true`,
      action: `delete deployment ${id} of`,
      resource: projectResource(target),
    });
  } catch (error) {
    if (!(error instanceof CloudflareApiError && error.status === 404)) throw error;
  }
}

/**
 * Keeps the newest `keep` deployments of an environment, `live` among them, and deletes the older ones:
 * Pages keeps every deployment until deleted, and refuses to delete a project holding more than 100
 * (code 8000076), so without this `pulumi destroy` would fail after enough upgrades.
 */
async function pruneDeployments(target: Target, environment: string, keep: number, live: string): Promise<string[]> {
  const deployments = await listDeployments(target, environment);
  const kept = new Set([live, ...deployments.slice(0, keep).map((deployment) => deployment.id)]);
  const older = deployments.filter((deployment) => !kept.has(deployment.id));
  for (const deployment of older) await deleteDeployment(target, deployment.id);
  return older.map((deployment) => deployment.id);
}

/** The project's live production deployment, which Pages does not let anyone delete; none when the project is gone. */
async function liveDeployment(target: Target): Promise<string | undefined | null> {
  try {
    const project = await cloudflareRequest<{ canonical_deployment: { id: string } | null }>({
      token: target.apiToken,
      method: "GET",
      path: `/accounts/${target.accountId}/pages/projects/${target.projectName}`,
      action: "get",
      resource: projectResource(target),
    });
    return project.canonical_deployment?.id;
  } catch (error) {
    if (error instanceof CloudflareApiError && error.status === 404) return null;
    throw error;
  }
}

async function deploy(inputs: PagesDeploymentInputs): Promise<PagesDeploymentState> {
  checkBuildUnchanged(inputs);
  await uploadAssets(inputs);
  const deployment = await createDeployment(inputs);
  await pruneDeployments(inputs, deployment.environment, inputs.keepDeployments, deployment.id);
  return { ...inputs, deploymentId: deployment.id, url: deployment.url };
}

/** The provider the engine runs; the API token arrives in its arguments. */
export const pagesDeploymentProvider: pulumi.dynamic.ResourceProvider<PagesDeploymentInputs, PagesDeploymentState> = {
  async create(inputs) {
    return { id: `${inputs.accountId}/${inputs.projectName}`, outs: await deploy(inputs) };
  },

  /**
   * Changes when a file is added, changed or removed, or the branch, the token or the number of kept
   * deployments changes; another project or account is a new deployment. The Node SDK passes no
   * detailed diff to the engine, which then shows the inputs that differ; `files` is keyed by path, so
   * `pulumi preview --diff` names each file that manifestChanges lists. The build folder's path is not
   * compared.
   */
  async diff(_id, olds, news) {
    const replaces = (["accountId", "projectName"] as const).filter((key) => olds[key] !== news[key]);
    if (replaces.length > 0) return { changes: true, replaces: [...replaces], deleteBeforeReplace: false };
    // A preview before the build exists sees the manifest as unknown: a change, whatever it holds.
    if (typeof news.files !== "object" || news.files === null) return { changes: true };
    const { added, changed, removed } = manifestChanges(olds.files ?? {}, news.files);
    const headersChanged = (olds.headers ?? "") !== (news.headers ?? "");
    return {
      changes:
        added.length + changed.length + removed.length > 0 ||
        changedKeys(olds, news, compared).length > 0 ||
        headersChanged,
    };
  },

  /**
   * A new build (or branch) is a new deployment; a new token alone is stored without a call; a new
   * number of kept deployments prunes to it.
   */
  async update(_id, olds, news) {
    const { added, changed, removed } = manifestChanges(olds.files ?? {}, news.files);
    const sameBuild =
      added.length + changed.length + removed.length === 0 &&
      olds.branch === news.branch &&
      (olds.headers ?? "") === (news.headers ?? "");
    if (sameBuild && olds.deploymentId) {
      if (olds.keepDeployments !== news.keepDeployments) {
        const environment = (await listDeployments(news)).find((d) => d.id === olds.deploymentId)?.environment;
        if (environment) await pruneDeployments(news, environment, news.keepDeployments, olds.deploymentId);
      }
      return { outs: { ...news, deploymentId: olds.deploymentId, url: olds.url } };
    }
    return { outs: await deploy(news) };
  },

  /**
   * Refresh: keeps the state while its deployment exists. When Pages no longer has it, the state forgets
   * its files, so the next `pulumi up` deploys the whole build again.
   */
  async read(id, props) {
    if (!props) throw new Error(`Pages deployment ${id}: nothing to refresh from`);
    if (!props.deploymentId) return { id, props };
    try {
      await cloudflareRequest<unknown>({
        token: props.apiToken,
        method: "GET",
        path: `${deploymentsPath(props)}/${props.deploymentId}`,
        action: "get deployment of",
        resource: projectResource(props),
      });
    } catch (error) {
      if (!(error instanceof CloudflareApiError && error.status === 404)) throw error;
      return { id, props: { ...props, deploymentId: "", url: "", files: {} } };
    }
    return { id, props };
  },

  /**
   * Deletes the project's deployments, all but the live one (Pages refuses to delete that; the project's
   * own deletion, which follows on `pulumi destroy`, takes it): the project can then be deleted however
   * many upgrades it saw. A project already gone has nothing left to delete.
   */
  async delete(_id, props) {
    const live = await liveDeployment(props);
    if (live === null) return;
    for (const deployment of await listDeployments(props)) {
      if (deployment.id !== live) await deleteDeployment(props, deployment.id);
    }
  },
};

export interface PagesDeploymentArgs {
  accountId: pulumi.Input<string>;
  projectName: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
  /**
   * The build folder, relative to the working folder. Pass an Output that resolves once the build is
   * written, so the manifest is read from the finished folder.
   */
  buildDir: pulumi.Input<string>;
  /** @default "main" */
  branch?: pulumi.Input<string>;
  /** @default readPagesManifest(buildDir) */
  files?: pulumi.Input<PagesManifest>;
  /** @default 10 */
  keepDeployments?: pulumi.Input<number>;
}

/**
 * A build folder deployed to a Pages project; `pulumi preview --diff` names each file a frontend
 * upgrade adds, changes or removes, and an identical build is no change. Older deployments are deleted
 * beyond the last `keepDeployments`, and all but the live one when the resource is deleted.
 */
export class PagesDeployment extends pulumi.dynamic.Resource {
  declare readonly deploymentId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;
  declare readonly files: pulumi.Output<PagesManifest>;

  constructor(name: string, args: PagesDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      pagesDeploymentProvider,
      name,
      {
        accountId: args.accountId,
        projectName: args.projectName,
        apiToken: pulumi.secret(args.apiToken),
        buildDir: args.buildDir,
        branch: args.branch ?? "main",
        files: args.files ?? pulumi.output(args.buildDir).apply(readPagesManifest),
        keepDeployments: args.keepDeployments ?? 10,
        headers: pulumi.output(args.buildDir).apply(readPagesHeaders),
        deploymentId: undefined,
        url: undefined,
      },
      { ...opts, additionalSecretOutputs: ["apiToken"] },
    );
  }
}
