/**
 * Files under $PULUMI_HOME (default ~/.pulumi): credentials.json, which records `pulumi login`,
 * and workspaces/*-workspace.json, which records the selected stack of a project
 * (sdk/go/common/workspace/creds.go, pkg/workspace/workspace.go).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const pulumiHome = (env: NodeJS.ProcessEnv): string => env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");

interface Credentials {
  current?: string;
  accessTokens?: Record<string, string>;
  accounts?: Record<string, Record<string, unknown>>;
}

function credentialsFile(env: NodeJS.ProcessEnv): string {
  return path.join(env.PULUMI_CREDENTIALS_PATH || pulumiHome(env), "credentials.json");
}

export function readCredentials(env: NodeJS.ProcessEnv): Credentials {
  const file = credentialsFile(env);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Credentials) : {};
}

/**
 * workspace.StoreAccount for a DIY backend: an account with no token. Go writes the account's
 * zero `lastValidatedAt` too, as omitempty does not apply to a time.Time struct.
 */
export function storeDiyAccount(env: NodeJS.ProcessEnv, url: string): void {
  const creds = readCredentials(env);
  creds.accessTokens = { ...creds.accessTokens, [url]: "" };
  creds.accounts = { ...creds.accounts, [url]: { lastValidatedAt: "0001-01-01T00:00:00Z" } };
  creds.current = url;
  writeCredentials(env, creds);
}

/** `pulumi logout`: forget the current backend. */
export function forgetAccount(env: NodeJS.ProcessEnv, url: string): void {
  const creds = readCredentials(env);
  delete creds.accessTokens?.[url];
  delete creds.accounts?.[url];
  if (creds.current === url) delete creds.current;
  writeCredentials(env, creds);
}

function writeCredentials(env: NodeJS.ProcessEnv, creds: Credentials): void {
  const file = credentialsFile(env);
  // An empty token map means no credentials at all: the real CLI deletes the file.
  if (Object.keys(creds.accessTokens ?? {}).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const ordered = { current: creds.current, accessTokens: creds.accessTokens, accounts: creds.accounts };
  writeFileSync(file, JSON.stringify(ordered, null, 4), { mode: 0o600 });
}

interface WorkspaceSettings {
  stack?: string;
  stacks?: Record<string, string>;
}

/** The file is named by the project and a SHA-1 of its Pulumi.yaml path. */
function settingsFile(env: NodeJS.ProcessEnv, projectName: string, projectFile: string): string {
  const hash = createHash("sha1").update(projectFile).digest("hex");
  return path.join(pulumiHome(env), "workspaces", `${projectName}-${hash}-workspace.json`);
}

function readSettings(file: string): WorkspaceSettings {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as WorkspaceSettings) : {};
}

/** The stack selected for this backend ($PULUMI_STACK wins), or the legacy unscoped one. */
export function selectedStack(
  env: NodeJS.ProcessEnv,
  projectName: string,
  projectFile: string,
  backendUrl: string,
): string | undefined {
  if (env.PULUMI_STACK !== undefined) return env.PULUMI_STACK;
  const settings = readSettings(settingsFile(env, projectName, projectFile));
  if (!settings.stacks || Object.keys(settings.stacks).length === 0) return settings.stack || undefined;
  return settings.stacks[backendUrl] ?? (settings.stack || undefined);
}

/** Settings.SetStackForBackend then Save; an empty name clears the selection (and the legacy field). */
export function selectStack(
  env: NodeJS.ProcessEnv,
  projectName: string,
  projectFile: string,
  backendUrl: string,
  name: string,
): void {
  const file = settingsFile(env, projectName, projectFile);
  const settings = readSettings(file);
  if (name === "") {
    if (settings.stacks) delete settings.stacks[backendUrl];
    if (settings.stacks && Object.keys(settings.stacks).length === 0) delete settings.stacks;
    delete settings.stack;
  } else {
    settings.stacks = { ...settings.stacks, [backendUrl]: name };
  }
  if (!settings.stack && !settings.stacks) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(settings, null, 4), { mode: 0o600 });
}
