/**
 * `pulumi stack`, `stack init`, `stack select`, `stack ls`, `stack rm`
 * (pkg/cmd/pulumi/stack/stack_new.go, stack_select.go, stack_list.go, stack_remove.go).
 */
import * as os from "node:os";
import {
  type Backend,
  currentBackend,
  fqn,
  listStacks,
  parseStackRef,
  refString,
  type StackRef,
  stackExists,
} from "./backend";
import { newManifest, readCheckpoint, removeStackFiles, writeCheckpoint } from "./checkpoint";
import { CliError, ExitCode, stackNotFound } from "./errors";
import type { Invocation } from "./flags";
import { formatTimeUtc, printJson, table } from "./formats";
import { findProject, type Project, requireProject } from "./project";
import { selectedStack, selectStack } from "./pulumi-home";
import { withLock } from "./locks";
import { loadProjectStack, type ProjectStack, removeProjectStackFile, saveProjectStack } from "./stack-config";
import { requireStack } from "./stack-context";
import { providersOf, stackSecretsManager } from "./stack-secrets";

const SECRETS_PROVIDER_KINDS = ["default", "passphrase", "awskms", "azurekeyvault", "gcpkms", "hashivault"];

function validateSecretsProvider(provider: string): void {
  const kind = provider.split(":")[0] ?? "";
  if (!SECRETS_PROVIDER_KINDS.includes(kind)) {
    throw new CliError(
      `unknown secrets provider type '${kind}' (supported values: ${SECRETS_PROVIDER_KINDS.join(",")})`,
    );
  }
  if (kind !== "default" && kind !== "passphrase") {
    throw new CliError(`the fake pulumi supports the passphrase secrets provider only, not ${provider}`);
  }
}

/** state.SetCurrentStack needs a project, like ws.New(cwd). */
function setCurrent(inv: Invocation, backend: Backend, name: string): void {
  const project = requireProject(inv.cwd);
  selectStack(inv.env, project.name, project.file, backend.originalUrl, name);
}

/** CreateStack: secrets manager first, then the backend stack (under its lock), then config and selection. */
async function createStack(
  inv: Invocation,
  backend: Backend,
  project: Project | undefined,
  ref: StackRef,
  select: boolean,
): Promise<void> {
  // A Pulumi.<stack>.yaml written before the stack exists is respected (its salt reused).
  const ps: ProjectStack = project ? loadProjectStack(project, ref.name) : { config: new Map(), rest: {} };
  let created: ReturnType<typeof stackSecretsManager>;
  try {
    created = stackSecretsManager(inv.env, ps);
  } catch (err) {
    throw new CliError(`could not create secrets manager for new stack: ${(err as Error).message}`);
  }
  const { sm, changed } = created;
  await withLock(backend, ref, async () => {
    if (stackExists(backend, ref)) throw new CliError(`stack '${fqn(ref)}' already exists`);
    writeCheckpoint(backend, ref, undefined);
    writeCheckpoint(backend, ref, { manifest: newManifest(), secrets_providers: providersOf(sm) });
  });
  process.stdout.write(`Created stack '${refString(backend, ref)}'\n`);
  if (project && changed) saveProjectStack(project, ref.name, ps);
  if (select) setCurrent(inv, backend, fqn(ref));
}

function nameFromArgs(inv: Invocation): string | undefined {
  const fromFlag = inv.flags.string("stack");
  if (inv.args.length > 0) {
    if (fromFlag) throw new CliError("only one of --stack or argument stack name may be specified, not both");
    return inv.args[0];
  }
  return fromFlag;
}

export async function stackInit(inv: Invocation): Promise<void> {
  const project = findProject(inv.cwd);
  const backend = currentBackend(inv.env, project);
  const name = nameFromArgs(inv);
  validateSecretsProvider(inv.flags.string("secrets-provider") || "default");
  if (!name) throw new CliError("missing stack name");
  if (inv.flags.string("copy-config-from")) throw new CliError("the fake pulumi does not support --copy-config-from");
  const ref = parseStackRef(backend, name);
  await createStack(inv, backend, project, ref, !inv.flags.bool("no-select"));
}

export async function stackSelect(inv: Invocation): Promise<void> {
  const project = findProject(inv.cwd);
  const backend = currentBackend(inv.env, project);
  const name = nameFromArgs(inv);
  if (!name) throw new CliError("no stack selected; specify a stack name with --stack", ExitCode.stackNotFound);
  const ref = parseStackRef(backend, name);
  if (stackExists(backend, ref)) return setCurrent(inv, backend, fqn(ref));
  if (inv.flags.bool("create")) {
    validateSecretsProvider(inv.flags.string("secrets-provider") || "default");
    await createStack(inv, backend, project, ref, false);
    return setCurrent(inv, backend, fqn(ref));
  }
  throw stackNotFound(refString(backend, ref));
}

export async function stackList(inv: Invocation): Promise<void> {
  const projectFilter = inv.flags.string("project");
  const project = findProject(inv.cwd);
  if (!inv.flags.bool("all") && !projectFilter && !project) {
    throw new CliError("no Pulumi.yaml found; please run this command in a project directory");
  }
  const backend = currentBackend(inv.env, project);
  const filter = inv.flags.bool("all") ? projectFilter : (projectFilter ?? project?.name);
  const selected = project ? selectedStack(inv.env, project.name, project.file, backend.originalUrl) : undefined;
  const selectedRef = selected ? parseStackRef(backend, selected) : undefined;
  const current = selectedRef && stackExists(backend, selectedRef) ? refString(backend, selectedRef) : undefined;
  const summaries = listStacks(backend, filter)
    .map((ref) => {
      const latest = readCheckpoint(backend, ref).checkpoint.latest;
      return {
        name: refString(backend, ref),
        current: refString(backend, ref) === current,
        ...(latest ? { lastUpdate: new Date(latest.manifest.time) } : {}),
        ...(latest ? { resourceCount: latest.resources?.length ?? 0 } : {}),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (inv.flags.bool("json") || inv.flags.string("output") === "json") {
    const rows = summaries.map((s) => ({
      name: s.name,
      current: s.current,
      ...(s.lastUpdate ? { lastUpdate: formatTimeUtc(s.lastUpdate.getTime() / 1000) } : {}),
      ...(s.resourceCount !== undefined ? { resourceCount: s.resourceCount } : {}),
    }));
    process.stdout.write(printJson(rows));
    return;
  }
  const rows = summaries.map((s) => [
    s.current ? `${s.name}*` : s.name,
    s.lastUpdate ? s.lastUpdate.toISOString() : "n/a",
    s.resourceCount !== undefined ? String(s.resourceCount) : "n/a",
  ]);
  process.stdout.write(table(["NAME", "LAST UPDATE", "RESOURCE COUNT"], rows));
}

export async function stackRemove(inv: Invocation): Promise<void> {
  const stack = requireStack(inv, nameFromArgs(inv));
  if (!inv.flags.bool("yes") && !inv.env.PULUMI_SKIP_CONFIRMATIONS) {
    throw new CliError("non-interactive mode requires --yes flag");
  }
  const { backend, ref } = stack;
  await withLock(backend, ref, async () => {
    const resources = readCheckpoint(backend, ref).checkpoint.latest?.resources ?? [];
    const onlyStack = resources.length === 1 && resources[0]?.type === "pulumi:pulumi:Stack";
    if (!inv.flags.bool("force") && resources.length > 0 && !onlyStack) {
      throw new CliError(
        `'${stack.display}' still has resources; removal rejected. Possible actions:\n` +
          `- Make sure that '${stack.display}' is the stack that you want to destroy\n` +
          "- Run `pulumi destroy` to delete the resources, then run `pulumi stack rm`\n" +
          "- Run `pulumi stack rm --force` to override this error",
      );
    }
    removeStackFiles(backend, ref, inv.flags.bool("remove-backups"));
  });
  if (!inv.flags.bool("preserve-config") && stack.project?.name === ref.project) {
    removeProjectStackFile(stack.project, ref.name);
  }
  process.stdout.write(`Stack '${stack.display}' has been removed!\n`);
  if (stack.project) selectStack(inv.env, stack.project.name, stack.project.file, backend.originalUrl, "");
}

/** Bare `pulumi stack`: a short description of the current stack. */
export async function stackShow(inv: Invocation): Promise<void> {
  const stack = requireStack(inv, inv.flags.string("stack"), true);
  const latest = readCheckpoint(stack.backend, stack.ref).checkpoint.latest;
  const resources = latest?.resources ?? [];
  const lines = [
    `Current stack is ${stack.display}:`,
    `    Managed by ${os.hostname()}`,
    latest ? `    Last updated: ${latest.manifest.time}` : "    No updates yet",
    latest ? `    Pulumi version used: ${latest.manifest.version}` : "",
    `Current stack resources (${resources.length}):`,
    ...(resources.length === 0
      ? ["    No resources currently in this stack"]
      : resources.map((r) => `    ${r.type}  ${r.urn.split("::").at(-1)}`)),
  ].filter((l) => l !== "");
  process.stdout.write(`${lines.join("\n")}\n`);
}
