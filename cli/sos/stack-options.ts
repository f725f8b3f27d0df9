import { existsSync } from "node:fs";
import * as path from "node:path";
import { ensurePassphrase, localBackendUrl, sosHome, stackDir } from "./home";
import { SosError, UsageError } from "./errors";
import type { StackTarget } from "./workspace";

/** Flags every single-stack command takes. */
export const stackFlags = {
  stack: { type: "string" },
  "backend-url": { type: "string" },
  "passphrase-file": { type: "string" },
  yes: { type: "boolean", short: "y" },
  "non-interactive": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const stackFlagsHelp = `  --stack <name>            the stack (one per deployment); default: main
  --backend-url <url>       Pulumi state backend; default: a folder under SOS_HOME (~/.sos/state)
  --passphrase-file <file>  the stack's secrets passphrase; default: SOS_HOME/stacks/<stack>/passphrase
                            (PULUMI_CONFIG_PASSPHRASE also works)
  --yes, -y                 answer yes to confirmations (needed when not on a terminal)
  --non-interactive         never prompt: take every answer from flags and variables`;

export interface StackFlagValues {
  stack?: string;
  "backend-url"?: string;
  "passphrase-file"?: string;
}

const stackName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkStackName(name: string): string {
  if (!stackName.test(name)) {
    throw new UsageError(`--stack: '${name}' is not a stack name (letters, digits, '.', '_', '-'; at most 100)`);
  }
  return name;
}

/**
 * Where a stack lives. `create` (sos init) makes a passphrase file when none is given; other commands
 * need one to exist, since a new passphrase could not read the stack's secrets.
 */
export function resolveTarget(flags: StackFlagValues, create: boolean): StackTarget & { passphraseCreated: boolean } {
  const home = sosHome();
  const stack = checkStackName(flags.stack ?? "main");
  const workDir = stackDir(home, stack);
  const backendUrl = flags["backend-url"] ?? process.env.PULUMI_BACKEND_URL ?? localBackendUrl(home);
  const token = process.env.CLOUDFLARE_API_TOKEN || undefined;
  if (flags["passphrase-file"]) {
    const file = path.resolve(flags["passphrase-file"]);
    if (!existsSync(file)) throw new UsageError(`--passphrase-file: ${file} does not exist`);
    return { stack, workDir, backendUrl, passphrase: { file }, cloudflareToken: token, passphraseCreated: false };
  }
  if (process.env.PULUMI_CONFIG_PASSPHRASE) {
    const value = process.env.PULUMI_CONFIG_PASSPHRASE;
    return { stack, workDir, backendUrl, passphrase: { value }, cloudflareToken: token, passphraseCreated: false };
  }
  if (!create && !existsSync(path.join(workDir, "passphrase"))) {
    throw new SosError(
      `No stack '${stack}' was set up on this machine (${workDir} has no passphrase).`,
      `Run \`sos init --stack ${stack}\`, or give the stack's passphrase with --passphrase-file or PULUMI_CONFIG_PASSPHRASE.`,
    );
  }
  const passphrase = ensurePassphrase(workDir);
  return {
    stack,
    workDir,
    backendUrl,
    passphrase: { file: passphrase.file },
    cloudflareToken: token,
    passphraseCreated: passphrase.created,
  };
}
