/**
 * `pulumi preview`, `up`, `destroy`, `refresh` (pkg/cmd/pulumi/operations, pkg/backend/diy
 * backend.go apply): confirmation rules, stack configuration and secrets, the lock (not taken by
 * previews), the engine run with its display and event log, then history and backup.
 */
import * as os from "node:os";
import { fqn } from "./backend";
import { addToHistory, backupStack, readCheckpoint, removeStackFiles, type UpdateInfo } from "./checkpoint";
import { Display, type OperationKind } from "./display";
import { runEngine } from "./engine";
import { loadState, type StateResource } from "./engine-state";
import { BailError, CliError, ExitCode } from "./errors";
import { EventLog } from "./events";
import type { Invocation } from "./flags";
import { sortKeys, unixNow } from "./formats";
import { withLock } from "./locks";
import { loadPlan } from "./plan";
import { findProject, type Project, requireProject } from "./project";
import { applyProjectConfig } from "./project-config";
import {
  type ConfigNode,
  loadProjectStack,
  parseConfigKey,
  removeProjectStackFile,
  saveProjectStack,
  setConfig,
} from "./stack-config";
import { requireStack, type StackContext } from "./stack-context";
import { checkpointDecrypter, type SecretsManager, stackSecretsManager } from "./stack-secrets";
import { OperationWindow } from "./test-hooks";
import { CLI_VERSION } from "./version";

const LABELS: Record<OperationKind, [preview: string, apply: string]> = {
  update: ["Previewing update", "Updating"],
  destroy: ["Previewing destroy", "Destroying"],
  refresh: ["Previewing refresh", "Refreshing"],
};

/** Environment variables the CLI declares as booleans report their truthiness, others "set". */
const BOOL_VARS = new Set([
  "PULUMI_SKIP_UPDATE_CHECK",
  "PULUMI_DEBUG_COMMANDS",
  "PULUMI_EXPERIMENTAL",
  "PULUMI_SKIP_CONFIRMATIONS",
  "PULUMI_DIY_BACKEND_GZIP",
  "PULUMI_DISABLE_INTEGRITY_CHECKING",
  "PULUMI_AUTOMATION_API",
]);

/** metadata.GetUpdateMetadata's environment: names (never values) of PULUMI_ variables and flags. */
function updateEnvironment(inv: Invocation): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inv.env)) {
    if (!name.startsWith("PULUMI_") || value === undefined) continue;
    env[`pulumi.env.${name}`] = BOOL_VARS.has(name)
      ? String(["1", "true", "t", "yes"].includes(value.toLowerCase()))
      : "set";
  }
  env["pulumi.version"] = CLI_VERSION;
  env["pulumi.os"] = os.platform();
  env["pulumi.arch"] = { x64: "amd64", ia32: "386" }[os.arch() as string] ?? os.arch();
  for (const [name, isBool] of inv.flags.visited())
    env[`pulumi.flag.${name}`] = isBool === undefined ? "set" : String(isBool);
  const kind = inv.flags.string("exec-kind");
  env["exec.kind"] = kind === "auto.local" || kind === "auto.inline" ? kind : "cli";
  const agent = inv.flags.string("exec-agent");
  if (agent) env["exec.agent"] = agent;
  env.updatePlan = "false";
  return sortKeys(env);
}

/** The project a destroy falls back to outside its project directory. */
const detachedProject = (stack: StackContext): Project => ({
  name: stack.ref.project,
  file: "",
  root: process.cwd(),
  config: {},
});

/** `--config k=v` (-c): saved into the stack's config before the operation. */
function saveConfigFlags(inv: Invocation, project: Project, stackName: string): void {
  const pairs = inv.flags.strings("config");
  if (pairs.length === 0) return;
  const ps = loadProjectStack(project, stackName);
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 0) throw new CliError("config value must be in the form [key]=[value]");
    setConfig(
      ps,
      parseConfigKey(pair.slice(0, at), project.name, inv.flags.bool("config-path")),
      pair.slice(at + 1),
      inv.flags.bool("config-path"),
    );
  }
  saveProjectStack(project, stackName, ps);
}

interface Prepared {
  stack: StackContext;
  project: Project;
  sm: SecretsManager;
  config: Map<string, ConfigNode>;
  state: StateResource[];
}

function prepare(inv: Invocation, kind: OperationKind, validate: boolean): Prepared {
  const stack = requireStack(inv, inv.flags.string("stack"), kind === "update");
  const project = kind === "destroy" ? (findProject(inv.cwd) ?? detachedProject(stack)) : requireProject(inv.cwd);
  if (project.file) saveConfigFlags(inv, project, stack.ref.name);
  const ps = project.file
    ? loadProjectStack(project, stack.ref.name)
    : { config: new Map<string, ConfigNode>(), rest: {} };
  const latest = readCheckpoint(stack.backend, stack.ref).checkpoint.latest;
  // Destroy may fall back to the secrets manager recorded in the state (FallbackToState).
  const stateSalt = latest?.secrets_providers?.state?.salt;
  if (kind === "destroy" && !ps.encryptionsalt && stateSalt) ps.encryptionsalt = stateSalt;
  let sm: SecretsManager;
  try {
    const result = stackSecretsManager(inv.env, ps);
    if (result.changed && project.file) saveProjectStack(project, stack.ref.name, ps);
    sm = result.sm;
  } catch (err) {
    throw new CliError(`getting stack configuration: get stack secrets manager: ${(err as Error).message}`);
  }
  let config: Map<string, ConfigNode>;
  try {
    config = applyProjectConfig(
      project,
      stack.ref.name,
      ps.config,
      validate && { decrypt: (c) => sm.crypter.decrypt(c) },
    );
  } catch (err) {
    throw new CliError(`${validate ? "validating" : "applying"} stack config: ${(err as Error).message}`);
  }
  const state = loadState(latest, checkpointDecrypter(inv.env, latest));
  return { stack, project, sm, config, state };
}

/** One apply (preview or update): banner, display, event log, engine; history when not a preview. */
async function apply(inv: Invocation, kind: OperationKind, dryRun: boolean, p: Prepared) {
  const { backend, ref } = p.stack;
  process.stdout.write(`${LABELS[kind][dryRun ? 0 : 1]} (${p.stack.display}):\n\n`);
  const display = new Display({
    kind,
    dryRun,
    diff: inv.flags.bool("diff"),
    showSames: inv.flags.bool("show-sames"),
    suppressOutputs: inv.flags.bool("suppress-outputs"),
    write: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  });
  const log = EventLog.open(inv.flags.string("event-log"), [(e) => display.onEvent(e)]);
  const window = new OperationWindow(inv.env, dryRun ? `preview-${kind}` : kind, fqn(ref));
  const startTime = unixNow();
  try {
    const result = await runEngine({
      kind,
      dryRun,
      backend,
      ref,
      state: p.state,
      sm: p.sm,
      plan: loadPlan(inv.env),
      config: p.config,
      log,
      window,
      excludeProtected: inv.flags.bool("exclude-protected"),
    });
    if (!dryRun) {
      const info: UpdateInfo = {
        kind,
        startTime,
        message: inv.flags.string("message") ?? "",
        environment: updateEnvironment(inv),
        config: sortKeys(Object.fromEntries(p.config)),
        version: 0,
        result: result.failed ? "failed" : "succeeded",
        endTime: unixNow(),
        resourceChanges: sortKeys(result.changes),
      };
      addToHistory(backend, ref, info);
      backupStack(backend, ref);
    }
    return result;
  } finally {
    window.close();
    await log.close();
  }
}

const hasChanges = (changes: Record<string, number>): boolean =>
  Object.entries(changes).some(([op, n]) => op !== "same" && n > 0);

async function operation(inv: Invocation, kind: OperationKind, previewOnly: boolean): Promise<void> {
  const validate = kind === "update" && !inv.flags.bool("skip-config-validation");
  const p = prepare(inv, kind, validate);
  const expectNoChanges = inv.flags.bool("expect-no-changes");
  const run = async (dryRun: boolean): Promise<void> => {
    const result = await apply(inv, kind, dryRun, p);
    if (result.failed) throw new BailError(`${dryRun ? "preview" : "update"} failed`);
    if (expectNoChanges && hasChanges(result.changes)) {
      throw new CliError(
        `no changes were expected for ${dryRun ? "preview" : kind} but changes were proposed`,
        ExitCode.noChanges,
      );
    }
  };
  if (previewOnly) return run(true);
  return withLock(p.stack.backend, p.stack.ref, async () => {
    // Without --skip-preview the CLI previews first, then applies.
    if (!inv.flags.bool("skip-preview")) await run(true);
    return run(false);
  });
}

export async function preview(inv: Invocation): Promise<void> {
  await operation(inv, "update", true);
}

export async function up(inv: Invocation): Promise<void> {
  if (inv.flags.bool("skip-preview") && inv.flags.bool("strict")) {
    throw new CliError("--strict cannot be used with --skip-preview; strict requires a preview");
  }
  if (!inv.flags.bool("yes") && !inv.env.PULUMI_SKIP_CONFIRMATIONS) throw noConfirmation();
  await operation(inv, "update", false);
}

const noConfirmation = (): CliError =>
  new CliError(
    "--yes or --skip-preview or --preview-only must be passed in to proceed when running in non-interactive mode",
    ExitCode.configuration,
  );

function confirmFlags(inv: Invocation): boolean {
  const previewOnly = inv.flags.bool("preview-only");
  const yes = inv.flags.bool("yes") || inv.flags.bool("skip-preview") || !!inv.env.PULUMI_SKIP_CONFIRMATIONS;
  if (inv.flags.bool("skip-preview") && previewOnly)
    throw new CliError("--skip-preview and --preview-only cannot be used together");
  if (inv.flags.bool("yes") && previewOnly) throw new CliError("--yes and --preview-only cannot be used together");
  if (!yes && !previewOnly) throw noConfirmation();
  return previewOnly;
}

export async function destroy(inv: Invocation): Promise<void> {
  const previewOnly = confirmFlags(inv);
  await operation(inv, "destroy", previewOnly);
  if (previewOnly) return;
  const stack = requireStack(inv, inv.flags.string("stack"));
  if (inv.flags.bool("remove")) {
    await withLock(stack.backend, stack.ref, async () => removeStackFiles(stack.backend, stack.ref, false));
    if (stack.project) removeProjectStackFile(stack.project, stack.ref.name);
    process.stdout.write("The resources in the stack have been deleted, and the history and configuration removed.\n");
    return;
  }
  const remaining = readCheckpoint(stack.backend, stack.ref).checkpoint.latest?.resources?.length ?? 0;
  process.stdout.write(
    remaining > 0 && inv.flags.bool("exclude-protected")
      ? `All unprotected resources were destroyed. There are still ${remaining} protected resources associated with this stack.\n`
      : "The resources in the stack have been deleted, but the history and configuration associated with the stack " +
          `are still maintained. \nIf you want to remove the stack completely, run \`pulumi stack rm ${stack.display}\`.\n`,
  );
}

export async function refresh(inv: Invocation): Promise<void> {
  await operation(inv, "refresh", confirmFlags(inv));
}
