import { spawn } from "node:child_process";
import { LocalWorkspace, Stack, type PulumiCommand } from "@pulumi/pulumi/automation";
import { privateDir } from "./home";
import { writeProjectFile } from "./project-file";
import { SosError } from "./errors";

/** How to reach one tenant's stack: where its state is, how its secrets are unlocked, its token. */
export interface StackTarget {
  stack: string;
  /** The stack's own work folder (Pulumi.yaml and Pulumi.<stack>.yaml); never shared with another stack. */
  workDir: string;
  backendUrl: string;
  /** A file holding the passphrase, or the passphrase itself (from a CI secret variable). */
  passphrase: { file: string } | { value: string };
  /** The Cloudflare API token, handed to Pulumi in its environment only. */
  cloudflareToken?: string;
}

export interface OpenStack {
  stack: Stack;
  target: StackTarget;
  /** Sets a secret config value through the CLI's standard input, so it is never in an argument list. */
  setSecret(key: string, value: string): Promise<void>;
}

/** The environment every Pulumi command of this stack gets; secrets travel here, not in argv. */
export function stackEnv(target: StackTarget): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: target.backendUrl,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...("file" in target.passphrase
      ? { PULUMI_CONFIG_PASSPHRASE_FILE: target.passphrase.file }
      : { PULUMI_CONFIG_PASSPHRASE: target.passphrase.value }),
    ...(target.cloudflareToken && { CLOUDFLARE_API_TOKEN: target.cloudflareToken }),
  };
}

/** Selects the stack in its work folder, creating it (with the passphrase secrets provider) if new. */
export async function openStack(target: StackTarget, pulumi: PulumiCommand, create = true): Promise<OpenStack> {
  privateDir(target.workDir);
  writeProjectFile(target.workDir);
  const workspace = await LocalWorkspace.create({
    workDir: target.workDir,
    envVars: stackEnv(target),
    secretsProvider: "passphrase",
    pulumiCommand: pulumi,
  });
  const stack = create
    ? await Stack.createOrSelect(target.stack, workspace)
    : await Stack.select(target.stack, workspace).catch((error: unknown) => {
        throw new SosError(
          `Stack '${target.stack}' was not found in ${target.backendUrl} (${firstLine(error)}).`,
          `Create it with \`sos init --stack ${target.stack}\`, or give the backend that holds it with --backend-url.`,
        );
      });
  return {
    stack,
    target,
    setSecret: (key, value) => setSecretThroughStdin(pulumi.command, target, key, value),
  };
}

/**
 * `pulumi config set --secret <key>` reads the value from standard input when that is not a
 * terminal (pkg/cmd/pulumi/config/config.go); the Automation API's setConfig would pass it in argv.
 */
function setSecretThroughStdin(command: string, target: StackTarget, key: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ["config", "set", key, "--secret", "--stack", target.stack, "--non-interactive"], {
      cwd: target.workDir,
      env: { ...process.env, ...stackEnv(target), PULUMI_AUTOMATION_API: "true" },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new SosError(`Could not store ${key} as a secret: ${stderr.trim() || `exit ${code}`}`)),
    );
    child.stdin.end(value);
  });
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split("\n").map((line) => line.trim());
  return lines.find((line) => line.startsWith("error:"))?.slice(6).trim() ?? lines.find(Boolean) ?? text;
}
