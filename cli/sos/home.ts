import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Where `sos` keeps a customer's deployments on their own machine: the Pulumi state (a local file
 * backend, never a hosted service) and one work folder per stack, with its config and passphrase.
 *
 *   <home>/state/                 the state backend (file://)
 *   <home>/stacks/<stack>/        Pulumi.yaml, Pulumi.<stack>.yaml, passphrase (mode 600)
 */
export function sosHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SOS_HOME || path.join(os.homedir(), ".sos"));
}

export function localBackendUrl(home: string): string {
  return pathToFileURL(path.join(home, "state")).href;
}

export function stackDir(home: string, stack: string): string {
  return path.join(home, "stacks", stack);
}

/** A folder only its owner can read: it holds secrets (passphrases) or state. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/** Writes a file only its owner can read or write, even if it existed with wider rights. */
export function writePrivateFile(file: string, content: string): void {
  privateDir(path.dirname(file));
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export interface Passphrase {
  file: string;
  /** True when this call made it: the user must be told once to back it up. */
  created: boolean;
}

/**
 * The stack's secrets passphrase, kept in a file of its own (mode 600) and handed to Pulumi as
 * PULUMI_CONFIG_PASSPHRASE_FILE, so it is in no argument list and no environment dump.
 */
export function ensurePassphrase(dir: string): Passphrase {
  const file = path.join(dir, "passphrase");
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return { file, created: false };
  }
  writePrivateFile(file, `${randomBytes(32).toString("base64url")}\n`);
  return { file, created: true };
}

export function readPassphrase(file: string): string {
  return readFileSync(file, "utf8").trim();
}
