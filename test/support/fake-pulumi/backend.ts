/**
 * The self-managed ("DIY") backend: which URL is current, where its state lives, and the
 * project-scoped stack references of pkg/backend/diy (backend.go, store.go, meta.go).
 * Cloud buckets are folders under $FAKE_PULUMI_BUCKETS_DIR.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError, ExitCode } from "./errors";
import type { Project } from "./project";
import { readCredentials } from "./pulumi-home";

export interface Backend {
  /** The URL as configured (b.URL()): it keys the stack selection and is what whoami shows. */
  originalUrl: string;
  /** The canonical URL (massageBlobPath); lock messages and permalinks are built from it. */
  url: string;
  /** The local folder that plays the bucket. */
  root: string;
  project: Project | undefined;
}

export interface StackRef {
  project: string;
  name: string;
}

/** gocloud's registered bucket schemes, plus the postgres driver the CLI adds. */
const DIY_SCHEMES = ["file", "s3", "gs", "azblob", "mem", "postgres"];
const BUCKET_SCHEMES = ["s3", "gs", "azblob"];

const schemeOf = (url: string): string => /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase() ?? "";
export const isDiyUrl = (url: string): boolean => DIY_SCHEMES.includes(schemeOf(url));

/** GetCurrentCloudURL: $PULUMI_BACKEND_URL, then the project's backend.url, then `pulumi login`. */
export function currentBackendUrl(env: NodeJS.ProcessEnv, project: Project | undefined): string {
  return env.PULUMI_BACKEND_URL || project?.backendUrl || readCredentials(env).current || "";
}

/** cmdBackend.CurrentBackend for the DIY case; the Pulumi Cloud cannot be reached from here. */
export function currentBackend(env: NodeJS.ProcessEnv, project: Project | undefined): Backend {
  const url = currentBackendUrl(env, project);
  if (!isDiyUrl(url)) {
    if (!env.PULUMI_ACCESS_TOKEN) {
      throw new CliError(
        "PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions",
        ExitCode.authentication,
      );
    }
    throw new CliError(`the fake pulumi supports self-managed backends only, not ${url || "the Pulumi Cloud"}`);
  }
  return openBackend(env, url, project);
}

/** massageBlobPath for file:// URLs: `~` expanded, absolute path, no_tmp_dir=true added. */
function massageFileUrl(url: string): { url: string; dir: string } {
  const [rest = "", query = ""] = url.slice("file://".length).split("?");
  const params = new URLSearchParams(query);
  if (!params.get("no_tmp_dir")) params.set("no_tmp_dir", "true");
  else if (params.get("no_tmp_dir") === "false") params.delete("no_tmp_dir");
  params.sort();
  let dir = rest;
  if (dir.startsWith("~")) dir = dir === "~" ? os.homedir() : path.join(os.homedir(), dir.slice(2));
  dir = path.resolve(dir);
  const search = params.toString();
  return { url: `file://${dir}${search ? `?${search}` : ""}`, dir };
}

/**
 * Without a local stand-in for the bucket, fail as the cloud SDKs do on a machine without
 * credentials (wording of the gocloud drivers, abridged).
 */
function missingCloudCredentials(url: string, scheme: string): CliError {
  switch (scheme) {
    case "s3":
      return new CliError(
        'read ".pulumi/meta.yaml": blob (key ".pulumi/meta.yaml") (code=Unknown): operation error S3: GetObject, ' +
          "get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found",
      );
    case "gs":
      return new CliError(
        `unable to open bucket "${url}": google: could not find default credentials. ` +
          "See https://cloud.google.com/docs/authentication/external/set-up-adc for more information",
      );
    default:
      return new CliError(
        `unable to open bucket "${url}": azureblob: Missing environment variable AZURE_STORAGE_ACCOUNT`,
      );
  }
}

/** diy.New: open the state store and make sure its meta.yaml says "project mode". */
export function openBackend(env: NodeJS.ProcessEnv, originalUrl: string, project: Project | undefined): Backend {
  const scheme = schemeOf(originalUrl);
  let url = originalUrl;
  let root: string;
  if (scheme === "file") {
    ({ url, dir: root } = massageFileUrl(originalUrl));
  } else if (BUCKET_SCHEMES.includes(scheme)) {
    const bucketsDir = env.FAKE_PULUMI_BUCKETS_DIR;
    if (!bucketsDir) throw missingCloudCredentials(originalUrl, scheme);
    const parsed = new URL(originalUrl);
    root = path.join(bucketsDir, scheme, parsed.host, decodeURIComponent(parsed.pathname));
  } else {
    throw new CliError(`the fake pulumi does not emulate ${scheme}:// state stores`);
  }
  const backend = { originalUrl, url, root, project };
  ensureProjectMode(env, backend);
  return backend;
}

function ensureProjectMode(env: NodeJS.ProcessEnv, b: Backend): void {
  const metaFile = path.join(b.root, ".pulumi", "meta.yaml");
  let version: number;
  if (existsSync(metaFile)) {
    const match = /^version:\s*(\d+)\s*$/m.exec(readFileSync(metaFile, "utf8"));
    if (!match) throw new CliError(`corrupt store: missing version in ".pulumi/meta.yaml"`);
    version = Number(match[1]);
  } else {
    // A store that already holds legacy (unscoped) stack files stays legacy.
    const stacksDir = path.join(b.root, ".pulumi", "stacks");
    const legacy = existsSync(stacksDir) && readdirSync(stacksDir).some((f) => /\.(json|ya?ml)(\.gz|\.zst)?$/.test(f));
    version = legacy ? 0 : 1;
    if (version === 1) {
      mkdirSync(path.dirname(metaFile), { recursive: true });
      writeFileSync(metaFile, "version: 1\n");
    }
  }
  if (version > 1) {
    throw new CliError(
      `state store unsupported: 'meta.yaml' version (${version}) is not supported by this version of the Pulumi CLI`,
    );
  }
  if (version === 0) {
    if (!env.PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR) {
      throw new CliError(
        "\n" +
          "================================================================================\n" +
          "Legacy DIY state is deprecated, please upgrade your state to project mode using:\n" +
          "'pulumi state upgrade'\n\n" +
          "It is due to be removed in a future release before the end of this year (2026).\n" +
          "If you have any feedback or concerns, please let us know by commenting on the\n" +
          "issue at https://github.com/pulumi/pulumi/issues/19566.\n" +
          "Set PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR=1 to disable this error.\n" +
          "================================================================================",
      );
    }
    throw new CliError("the fake pulumi supports project-scoped DIY state only (meta.yaml version 1)");
  }
}

const STACK_NAME = /^[A-Za-z0-9_.-]*$/;
const PROJECT_NAME = /^[A-Za-z0-9_.-]+$/;

function parseStackName(name: string): string {
  if (name === "") throw new CliError("a stack name may not be empty");
  if (name.length > 100) throw new CliError("a stack name cannot exceed 100 characters");
  if (!STACK_NAME.test(name)) {
    const at = [...name].findIndex((c) => !STACK_NAME.test(c));
    throw new CliError(
      "a stack name may only contain alphanumeric, hyphens, underscores, or periods: " +
        `invalid character ${JSON.stringify(name[at])} at position ${at}`,
    );
  }
  return name;
}

/** projectReferenceStore.ParseReference: `name`, `organization/name` or `organization/project/name`. */
export function parseStackRef(b: Backend, ref: string): StackRef {
  if (ref === "") throw new CliError("stack name must not be empty");
  const parts = ref.split("/");
  let [org, project, name] = ["", "", ""];
  if (parts.length === 1) name = parts[0] as string;
  else if (parts.length === 2) [org, name] = parts as [string, string];
  else if (parts.length === 3) [org, project, name] = parts as [string, string, string];
  if ((org || "organization") !== "organization") throw new CliError("organization name must be 'organization'");
  if (project === "") {
    if (!b.project) {
      throw new CliError(
        "no Pulumi.yaml project file found; either run this command from a directory containing a " +
          "Pulumi project, or pass the fully qualified stack name (organization/project/stack)",
      );
    }
    project = b.project.name;
  }
  if (!PROJECT_NAME.test(project) || project.length > 100) {
    throw new CliError("project names may only contain alphanumerics, hyphens, underscores, and periods");
  }
  return { project, name: parseStackName(name) };
}

export const fqn = (ref: StackRef): string => `organization/${ref.project}/${ref.name}`;

let fullyQualifyNames = false;
/** The root --fully-qualify-stack-names (-Q) flag. */
export const setFullyQualifyStackNames = (on: boolean): void => {
  fullyQualifyNames = on;
};

/** diyBackendReference.String: the bare name inside its own project. */
export function refString(b: Backend, ref: StackRef): string {
  return !fullyQualifyNames && b.project?.name === ref.project ? ref.name : fqn(ref);
}

export const stackFile = (b: Backend, ref: StackRef): string =>
  path.join(b.root, ".pulumi", "stacks", ref.project, `${ref.name}.json`);
export const historyDir = (b: Backend, ref: StackRef): string =>
  path.join(b.root, ".pulumi", "history", ref.project, ref.name);
export const backupDir = (b: Backend, ref: StackRef): string =>
  path.join(b.root, ".pulumi", "backups", ref.project, ref.name);
/** Relative to the bucket, as lock paths appear in messages. */
export const lockDirKey = (ref: StackRef): string => `.pulumi/locks/${fqn(ref)}`;
/** The stand-in's count of injected failures; its extension keeps it out of stack listings. */
export const failuresFile = (b: Backend, ref: StackRef): string =>
  path.join(b.root, ".pulumi", "stacks", ref.project, `${ref.name}.fake-failures`);

export const stackExists = (b: Backend, ref: StackRef): boolean => existsSync(stackFile(b, ref));

/** projectReferenceStore.ListReferences, optionally only one project's stacks. */
export function listStacks(b: Backend, project?: string): StackRef[] {
  const stacksDir = path.join(b.root, ".pulumi", "stacks");
  if (!existsSync(stacksDir)) return [];
  const refs: StackRef[] = [];
  for (const proj of readdirSync(stacksDir, { withFileTypes: true })) {
    if (!proj.isDirectory() || (project !== undefined && proj.name !== project)) continue;
    for (const file of readdirSync(path.join(stacksDir, proj.name))) {
      const match = /^(.+)\.json$/.exec(file);
      if (match && STACK_NAME.test(match[1] as string)) refs.push({ project: proj.name, name: match[1] as string });
    }
  }
  return refs;
}

/** A URL for a key of the bucket, as lockURLForError and the permalink build them. */
export function bucketKeyUrl(b: Backend, key: string): string {
  const [base = "", query] = b.url.split("?");
  const joined = `${base.replace(/\/+$/, "")}/${key}`;
  return query ? `${joined}?${query}` : joined;
}
