import type { Environment, PagesDeploymentRecord, PagesProjectRecord } from "./cloudflare-emulator-pages";

/**
 * How the Pages API answers with a project and a deployment (the API reference's Project and Deployment
 * objects; wrangler reads `deployment_configs`, `source`, `domains`, `latest_deployment.modified_on`,
 * `url`, `aliases`, `latest_stage`, `deployment_trigger.metadata`, `environment`, `production_branch`).
 */

export function describeProject(project: PagesProjectRecord) {
  const latest = project.deployments.at(-1);
  const canonical = project.deployments.findLast((deployment) => deployment.environment === "production");
  const deploymentConfig = (env: Environment) => ({
    ...project.configs[env],
    env_vars: {},
    fail_open: true,
    always_use_latest_compatibility_date: false,
    build_image_major_version: 3,
    usage_model: "standard",
  });
  return {
    id: project.id,
    name: project.name,
    subdomain: `${project.name}.pages.dev`,
    domains: [`${project.name}.pages.dev`],
    production_branch: project.productionBranch,
    created_on: project.createdOn,
    // A direct-upload project has no git source; wrangler lists such projects by `!project.source`.
    source: null,
    build_config: {
      build_caching: false,
      build_command: "",
      destination_dir: "",
      root_dir: "",
      web_analytics_tag: null,
      web_analytics_token: null,
    },
    deployment_configs: { preview: deploymentConfig("preview"), production: deploymentConfig("production") },
    latest_deployment: latest ? describeDeployment(project, latest) : null,
    canonical_deployment: canonical ? describeDeployment(project, canonical) : null,
    uses_functions: latest ? usesFunctions(latest) : false,
  };
}

/**
 * A deployment as the API returns it. Direct uploads finish while the request is answered, so every
 * stage is already a success; wrangler polls `latest_stage` for `deploy`/`success`.
 */
export function describeDeployment(project: PagesProjectRecord, deployment: PagesDeploymentRecord) {
  const at = deployment.createdOn;
  const stages = ["queued", "initialize", "clone_repo", "build", "deploy"].map((name) => ({
    name,
    started_on: at,
    ended_on: at,
    status: "success",
  }));
  return {
    id: deployment.id,
    short_id: deployment.id.slice(0, 8),
    project_id: project.id,
    project_name: project.name,
    environment: deployment.environment,
    url: deploymentUrl(project, deployment),
    created_on: at,
    modified_on: at,
    // Production has no alias; a preview branch gets `<branch>.<project>.pages.dev` (wrangler prints it).
    aliases:
      deployment.environment === "preview"
        ? [`https://${branchAlias(deployment.branch)}.${project.name}.pages.dev`]
        : null,
    latest_stage: stages.at(-1),
    stages,
    deployment_trigger: {
      type: "ad_hoc",
      metadata: {
        branch: deployment.branch,
        commit_hash: deployment.commit.hash,
        commit_message: deployment.commit.message,
        commit_dirty: deployment.commit.dirty,
      },
    },
    env_vars: {},
    ...project.configs[deployment.environment],
    build_config: { build_caching: false, build_command: "", destination_dir: "", root_dir: "" },
    source: null,
    production_branch: project.productionBranch,
    is_skipped: false,
    uses_functions: usesFunctions(deployment),
  };
}

export function deploymentUrl(project: PagesProjectRecord, deployment: PagesDeploymentRecord): string {
  return `https://${deployment.id.slice(0, 8)}.${project.name}.pages.dev`;
}

function usesFunctions(deployment: PagesDeploymentRecord): boolean {
  return deployment.parts.has("_worker.bundle") || deployment.parts.has("_worker.js");
}

/** Pages' branch alias: lower case, anything but letters and digits as a dash, at most 28 characters. */
function branchAlias(branch: string): string {
  return branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 28)
    .replace(/^-+|-+$/g, "");
}
