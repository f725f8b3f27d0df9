import { randomUUID } from "node:crypto";
import type { EmulatorAreaContext, EmulatorRequest, RouteReply } from "./cloudflare-emulator";
import {
  installPagesAssets,
  pagesMaxFileCount,
  pagesUnknownError,
  type PagesUpload,
} from "./cloudflare-emulator-pages-assets";
import { pagesFileHash } from "./cloudflare-emulator-pages-hash";
import { deploymentUrl, describeDeployment, describeProject } from "./cloudflare-emulator-pages-shapes";

/**
 * Cloudflare Pages as `wrangler pages deploy` (direct upload) uses it: projects, the upload token,
 * deployments created from a manifest of asset hashes (`/pages/assets/*` live in
 * cloudflare-emulator-pages-assets.ts), and what each deployment serves. Shapes follow the API
 * reference (Pages > Projects, Deployments) and what wrangler 4 reads (src/api/pages/deploy.ts,
 * src/pages/deploy.ts, src/pages/deployments.ts in cloudflare/workers-sdk).
 */

export type Environment = "production" | "preview";

export interface PagesDeploymentRecord {
  id: string;
  branch: string;
  environment: Environment;
  createdOn: string;
  manifest: Record<string, string>;
  commit: { hash: string; message: string; dirty: boolean };
  /** The form's other parts (`_headers`, `_redirects`, `_routes.json`, `_worker.bundle`, ...), recorded, not served. */
  parts: Map<string, Buffer>;
}

/** The part of `deployment_configs.<env>` the emulator keeps (what `wrangler pages project create` sets). */
export interface DeploymentConfig {
  compatibility_date: string;
  compatibility_flags: string[];
}

export interface PagesProjectRecord {
  id: string;
  name: string;
  productionBranch: string;
  createdOn: string;
  configs: Record<Environment, DeploymentConfig>;
  /** Oldest first. */
  deployments: PagesDeploymentRecord[];
}

/** A deployment as tests see it. */
export interface PagesDeploymentView {
  id: string;
  url: string;
  branch: string;
  environment: Environment;
  /** `"/path"` → asset hash, as the deployment's manifest named them. */
  manifest: Record<string, string>;
  parts: Map<string, Buffer>;
}

export interface PagesEmulation {
  createProject(name: string, options?: { productionBranch?: string }): { id: string; name: string };
  deployment(project: string, deploymentId?: string): PagesDeploymentView;
  /** Every deployment of the project, oldest first. */
  deployments(project: string): PagesDeploymentView[];
  hasProject(project: string): boolean;
  files(project: string, deploymentId?: string): Map<string, Buffer>;
  uploads: PagesUpload[];
}

/**
 * Pages' own codes: 8000007 unknown project (wrangler tests for it; wording from users' reports) and
 * 8000002 name taken (wording from a wrangler error quoted in rails/buildkite-config#101); 8000009 for an
 * unknown deployment is a guess.
 */
const code = {
  nameTaken: 8000002,
  projectNotFound: 8000007,
  deploymentNotFound: 8000009,
  tooManyDeployments: 8000076,
} as const;

/**
 * Cloudflare's known issue "Delete a project with a high number of deployments": a project with over
 * 100 deployments cannot be deleted until they are (developers.cloudflare.com/pages/platform/known-issues);
 * the API answers code 8000076 with this message (wrangler's output in cloudflare/workers-sdk#12780; the
 * 400 status is an assumption).
 */
export const pagesMaxDeletableDeployments = 100;
const namePattern = /^[a-z0-9](?:[a-z0-9-]{0,56}[a-z0-9])?$/;

export function installPages(context: EmulatorAreaContext): PagesEmulation {
  const projects = new Map<string, PagesProjectRecord>();
  const assets = installPagesAssets(context);
  const base = "/accounts/:account/pages/projects";

  function createProject(name: string, productionBranch = "main", configs?: unknown): PagesProjectRecord {
    const now = new Date().toISOString();
    const config = (env: Environment): DeploymentConfig => {
      const given = (configs as Partial<Record<Environment, Partial<DeploymentConfig>>> | undefined)?.[env];
      return {
        compatibility_date: given?.compatibility_date ?? now.slice(0, 10),
        compatibility_flags: given?.compatibility_flags ?? [],
      };
    };
    const project = {
      id: randomUUID(),
      name,
      productionBranch,
      createdOn: now,
      configs: { production: config("production"), preview: config("preview") },
      deployments: [],
    };
    projects.set(name, project);
    return project;
  }

  function target(request: EmulatorRequest): PagesProjectRecord {
    checkAccount(context, request);
    const project = projects.get(request.params.project!);
    if (!project) {
      context.fail(404, {
        code: code.projectNotFound,
        message: "Project not found. The specified project name does not match any of your existing projects.",
      });
    }
    return project;
  }

  function findDeployment(project: PagesProjectRecord, id: string | undefined): PagesDeploymentRecord | undefined {
    if (id !== undefined) return project.deployments.find((deployment) => deployment.id === id);
    return project.deployments.findLast((deployment) => deployment.environment === "production");
  }

  context.route("GET", base, (request) => {
    checkAccount(context, request);
    return paged(request, [...projects.values()].map(describeProject), 10);
  });

  context.route("POST", base, (request) => {
    checkAccount(context, request);
    const body = (request.body ?? {}) as { name?: unknown; production_branch?: unknown; deployment_configs?: unknown };
    if (typeof body.name !== "string" || !namePattern.test(body.name)) {
      context.fail(400, {
        code: pagesUnknownError,
        message:
          "Invalid project name: lowercase letters, digits and dashes, 1 to 58 characters, no leading or trailing dash",
      });
    }
    if (projects.has(body.name)) {
      context.fail(400, {
        code: code.nameTaken,
        message: "A project with this name already exists. Choose a different project name.",
      });
    }
    const branch =
      typeof body.production_branch === "string" && body.production_branch ? body.production_branch : "main";
    return { result: describeProject(createProject(body.name, branch, body.deployment_configs)) };
  });

  context.route("GET", `${base}/:project`, (request) => ({ result: describeProject(target(request)) }));

  context.route("DELETE", `${base}/:project`, (request) => {
    const project = target(request);
    if (project.deployments.length > pagesMaxDeletableDeployments) {
      context.fail(400, {
        code: code.tooManyDeployments,
        message:
          "Your project has too many deployments to be deleted, follow this guide to delete them: https://cfl.re/3CXesln",
      });
    }
    projects.delete(project.name);
    return { result: null };
  });

  context.route("GET", `${base}/:project/upload-token`, (request) => ({
    result: { jwt: assets.issueToken(target(request).name) },
  }));

  context.route("POST", `${base}/:project/deployments`, async (request) => {
    const project = target(request);
    const deployment = await readDeployment(context, request, project, (hash) => assets.get(hash)?.content);
    project.deployments.push(deployment);
    return { result: describeDeployment(project, deployment) };
  });

  context.route("GET", `${base}/:project/deployments`, (request) => {
    const project = target(request);
    const env = request.query.get("env");
    const listed = project.deployments
      .filter((deployment) => !env || deployment.environment === env)
      .reverse()
      .map((deployment) => describeDeployment(project, deployment));
    return paged(request, listed, 25);
  });

  /**
   * wrangler's `pages deployment delete` sends `?force=<bool>`. Pages refuses the live production
   * deployment (its dashboard: "this deployment is your current active production deployment") and,
   * without force=true, an aliased one: "You cannot delete an aliased deployment without a `?force=true`
   * parameter in the API request URL." (quoted in cloudflare/cloudflare-docs#22193). Here the newest
   * deployment of each preview branch carries the branch alias. Codes and statuses are assumptions.
   */
  context.route("DELETE", `${base}/:project/deployments/:deployment`, (request) => {
    const project = target(request);
    const deployment = findDeployment(project, request.params.deployment);
    if (!deployment) context.fail(404, { code: code.deploymentNotFound, message: "Deployment not found." });
    if (deployment === findDeployment(project, undefined)) {
      context.fail(400, {
        code: pagesUnknownError,
        message: "You cannot delete the active production deployment of a project.",
      });
    }
    const aliased =
      deployment.environment === "preview" &&
      project.deployments.findLast((candidate) => candidate.branch === deployment.branch) === deployment;
    if (aliased && request.query.get("force") !== "true") {
      context.fail(400, {
        code: pagesUnknownError,
        message: "You cannot delete an aliased deployment without a `?force=true` parameter in the API request URL.",
      });
    }
    project.deployments.splice(project.deployments.indexOf(deployment), 1);
    return { result: null };
  });

  context.route("GET", `${base}/:project/deployments/:deployment`, (request) => {
    const project = target(request);
    const deployment = findDeployment(project, request.params.deployment);
    if (!deployment) context.fail(404, { code: code.deploymentNotFound, message: "Deployment not found." });
    return { result: describeDeployment(project, deployment) };
  });

  function view(
    projectName: string,
    deploymentId?: string,
  ): { project: PagesProjectRecord; deployment: PagesDeploymentRecord } {
    const project = projects.get(projectName);
    if (!project) throw new Error(`no emulated Pages project '${projectName}'`);
    const deployment = findDeployment(project, deploymentId);
    if (!deployment) throw new Error(`Pages project '${projectName}' has no deployment ${deploymentId ?? "live"}`);
    return { project, deployment };
  }

  return {
    createProject(name, options) {
      if (projects.has(name)) throw new Error(`an emulated Pages project is already named '${name}'`);
      const { id } = createProject(name, options?.productionBranch);
      return { id, name };
    },
    deployment(projectName, deploymentId) {
      const { project, deployment } = view(projectName, deploymentId);
      return describeView(project, deployment);
    },
    deployments(projectName) {
      const project = projects.get(projectName);
      if (!project) throw new Error(`no emulated Pages project '${projectName}'`);
      return project.deployments.map((deployment) => describeView(project, deployment));
    },
    hasProject: (projectName) => projects.has(projectName),
    files(projectName, deploymentId) {
      const { deployment } = view(projectName, deploymentId);
      return new Map(
        Object.entries(deployment.manifest).map(([path, hash]) => [path, assets.get(hash)!.content] as const),
      );
    },
    uploads: assets.uploads,
  };
}

function describeView(project: PagesProjectRecord, deployment: PagesDeploymentRecord): PagesDeploymentView {
  const { id, branch, environment, manifest, parts } = deployment;
  return { id, url: deploymentUrl(project, deployment), branch, environment, manifest, parts };
}

/** An account the token does not reach: Cloudflare's generic 403. */
function checkAccount(context: EmulatorAreaContext, request: EmulatorRequest): void {
  if (request.params.account !== context.accountId) context.fail(403, { code: 10000, message: "Authentication error" });
}

/**
 * The multipart form wrangler sends (src/api/pages/deploy.ts): `manifest` ({"/path": hash}), `branch`,
 * `commit_hash`, `commit_message`, `commit_dirty`, and the optional special files as parts. Every
 * manifest entry must name an uploaded blob whose content hashes to it under that path. Cloudflare
 * reportedly accepts a manifest keyed otherwise and then answers 500 for those paths
 * (Shudesu/line-harness-oss#276, keys that were SHA-256): the emulator refuses it up front instead.
 */
async function readDeployment(
  context: EmulatorAreaContext,
  request: EmulatorRequest,
  project: PagesProjectRecord,
  blob: (hash: string) => Buffer | undefined,
): Promise<PagesDeploymentRecord> {
  const contentType = String(request.headers["content-type"] ?? "");
  if (!contentType.startsWith("multipart/form-data")) {
    context.fail(400, { code: pagesUnknownError, message: "Expected a multipart/form-data body" });
  }
  const form = await new Response(request.rawBody, { headers: { "content-type": contentType } }).formData();
  const text = async (name: string): Promise<string | undefined> => {
    const value = form.get(name);
    return value === null ? undefined : typeof value === "string" ? value : await value.text();
  };
  const manifest = parseManifest(context, await text("manifest"));
  const unknown = Object.entries(manifest).filter(([, hash]) => !blob(hash));
  if (unknown.length > 0) {
    context.fail(400, {
      code: pagesUnknownError,
      message: `The manifest names assets that were never uploaded: ${unknown.map(([path, hash]) => `${path} (${hash})`).join(", ")}`,
    });
  }
  const mismatched = Object.entries(manifest).filter(([path, hash]) => pagesFileHash(blob(hash)!, path) !== hash);
  if (mismatched.length > 0) {
    context.fail(400, {
      code: pagesUnknownError,
      message: `Hash mismatch (emulator check): ${mismatched.map(([path, hash]) => `${path} is not ${hash}`).join(", ")}`,
    });
  }
  const parts = new Map<string, Buffer>();
  for (const [name, value] of form.entries()) {
    if (name === "manifest") continue;
    if (typeof value !== "string") parts.set(name, Buffer.from(await value.arrayBuffer()));
  }
  const branch = (await text("branch")) || project.productionBranch;
  return {
    id: randomUUID(),
    branch,
    environment: branch === project.productionBranch ? "production" : "preview",
    createdOn: new Date().toISOString(),
    manifest,
    commit: {
      hash: (await text("commit_hash")) ?? "",
      message: (await text("commit_message")) ?? "",
      dirty: (await text("commit_dirty")) === "true",
    },
    parts,
  };
}

function parseManifest(context: EmulatorAreaContext, raw: string | undefined): Record<string, string> {
  let manifest: unknown;
  try {
    manifest = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    manifest = undefined;
  }
  const valid =
    typeof manifest === "object" &&
    manifest !== null &&
    !Array.isArray(manifest) &&
    Object.entries(manifest).every(([path, hash]) => path.startsWith("/") && typeof hash === "string");
  if (!valid) {
    context.fail(400, { code: pagesUnknownError, message: 'The manifest must be a JSON object of "/path": hash' });
  }
  const entries = manifest as Record<string, string>;
  if (Object.keys(entries).length > pagesMaxFileCount) {
    context.fail(400, {
      code: pagesUnknownError,
      message: `Pages only supports up to ${pagesMaxFileCount.toLocaleString("en-US")} files in a deployment`,
    });
  }
  return entries;
}

function paged(request: EmulatorRequest, items: unknown[], defaultPerPage: number): RouteReply {
  const page = positive(request.query.get("page"), 1);
  const perPage = positive(request.query.get("per_page"), defaultPerPage);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return { result: slice, resultInfo: { page, per_page: perPage, count: slice.length, total_count: items.length } };
}

function positive(value: string | null, fallback: number): number {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}
