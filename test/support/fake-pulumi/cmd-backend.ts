/**
 * `pulumi version`, `login`, `logout`, `whoami`, `cancel` (pkg/cmd/pulumi/version, auth, whoami,
 * cancel).
 */
import * as os from "node:os";
import { currentBackend, currentBackendUrl, isDiyUrl, openBackend } from "./backend";
import { CliError, ExitCode } from "./errors";
import type { Invocation } from "./flags";
import { printJson } from "./formats";
import { removeAllLocks } from "./locks";
import { findProject } from "./project";
import { forgetAccount, storeDiyAccount } from "./pulumi-home";
import { requireStack } from "./stack-context";
import { CLI_VERSION } from "./version";

export async function version(): Promise<void> {
  process.stdout.write(`${CLI_VERSION}\n`);
}

/** diyBackend.Name: the host name. */
const backendName = (): string => os.hostname() || "diy";

export async function login(inv: Invocation): Promise<void> {
  let url = inv.flags.string("cloud-url") ?? "";
  if (inv.args.length > 0) {
    if (url) throw new CliError("only one of --cloud-url or argument URL may be specified, not both");
    url = inv.args[0] as string;
  }
  if (inv.flags.bool("local")) {
    if (url) throw new CliError("a URL may not be specified when --local mode is enabled");
    url = "file://~";
  }
  const project = findProject(inv.cwd);
  if (url === "") url = currentBackendUrl(inv.env, project);
  if (!isDiyUrl(url)) {
    if (!inv.env.PULUMI_ACCESS_TOKEN) {
      const target = url ? `the state backend "${url}"` : "the Pulumi Cloud";
      throw new CliError(
        `could not log in to ${target}: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions`,
        ExitCode.authentication,
      );
    }
    throw new CliError(`the fake pulumi supports self-managed backends only, not ${url || "the Pulumi Cloud"}`);
  }
  try {
    openBackend(inv.env, url, project);
  } catch (err) {
    throw new CliError(`could not log in to the state backend "${url}": ${(err as Error).message}`);
  }
  storeDiyAccount(inv.env, url);
  process.stdout.write(`Logged in to ${backendName()} as ${os.userInfo().username} (${url})\n`);
}

export async function logout(inv: Invocation): Promise<void> {
  const url = inv.args[0] ?? currentBackendUrl(inv.env, findProject(inv.cwd));
  forgetAccount(inv.env, url);
  process.stdout.write(`Logged out of ${url}\n`);
}

export async function whoami(inv: Invocation): Promise<void> {
  const backend = currentBackend(inv.env, findProject(inv.cwd));
  const user = os.userInfo().username;
  if (inv.flags.bool("json") || inv.flags.string("output") === "json") {
    // A DIY backend has no organizations, so the field is omitted.
    process.stdout.write(printJson({ user, url: backend.originalUrl }));
  } else if (inv.flags.bool("verbose")) {
    process.stdout.write(`User: ${user}\nOrganizations: \nBackend URL: ${backend.originalUrl}\nToken type: personal\n`);
  } else {
    process.stdout.write(`${user}\n`);
  }
}

export async function cancel(inv: Invocation): Promise<void> {
  const fromFlag = inv.flags.string("stack");
  if (inv.args.length > 0 && fromFlag) {
    throw new CliError("only one of --stack or argument stack name may be specified, not both");
  }
  const stack = requireStack(inv, inv.args[0] ?? fromFlag);
  removeAllLocks(stack.backend, stack.ref);
  process.stdout.write(`The currently running update for '${stack.ref.name}' has been canceled!\n`);
}
