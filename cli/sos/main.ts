import { SosError, UsageError } from "./errors";
import { runtimeVersion } from "../../worker/version";

/** Each command's module is loaded only when it runs: the Automation API is slow to load. */
const commands: Record<string, (argv: string[]) => Promise<void>> = {
  init: (argv) => (require("./commands/init") as typeof import("./commands/init")).init(argv),
  upgrade: (argv) => (require("./commands/upgrade") as typeof import("./commands/upgrade")).upgrade(argv),
  status: (argv) => (require("./commands/status") as typeof import("./commands/status")).status(argv),
  doctor: (argv) => (require("./commands/doctor") as typeof import("./commands/doctor")).doctor(argv),
  backup: (argv) => (require("./commands/backup") as typeof import("./commands/backup")).backup(argv),
  restore: (argv) => (require("./commands/restore") as typeof import("./commands/restore")).restore(argv),
  destroy: (argv) => (require("./commands/destroy") as typeof import("./commands/destroy")).destroy(argv),
  tenants: (argv) => (require("./commands/tenants") as typeof import("./commands/tenants")).tenants(argv),
};

export const mainHelp = `sos ${runtimeVersion}: SOS, the agent runtime, deployed into your own Cloudflare account

Usage: sos <command> [options]     (sos <command> --help for its options)

  init       deploy, step by step: token, local state, configuration, preview, deploy, your chat URL
  upgrade    preview what a newer version changes (with the diff), then apply it
  status     the deployment's outputs and its worker's health
  doctor     check Node.js, the Pulumi CLI, the token's permissions, workers.dev, D1 quota
  backup     everything the deployment holds into a file, plus a D1 Time Travel bookmark
  restore    a backup into a deployment (this one or another, in any account)
  destroy    remove the deployment; the memories are kept unless retainData is false
  tenants    preview|up|destroy|refresh many stacks from a tenants file (for CI)

State and passphrases stay on this machine (SOS_HOME, default ~/.sos) unless you name your own backend.
The Pulumi CLI must be installed; the commands drive it through Pulumi's Automation API.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(mainHelp);
    return 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(runtimeVersion);
    return 0;
  }
  // The per-tenant child process of `sos tenants`; not a user command.
  if (name === "__tenant") return (require("./tenants/run-tenant") as typeof import("./tenants/run-tenant")).runTenant(rest);
  const command = commands[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}'`);
    await command(rest);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return report(error, command ? name : undefined);
  }
}

function report(error: unknown, command: string | undefined): number {
  const parseError = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  if (error instanceof UsageError || parseError) {
    console.error(`sos: ${(error as Error).message}\nRun \`sos ${command ?? ""}${command ? " " : ""}--help\` for the options.`);
    return 2;
  }
  if (error instanceof SosError) {
    console.error(`sos: ${error.message}${error.hint ? `\n  What to do: ${error.hint}` : ""}`);
    return 1;
  }
  console.error(`sos: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}
