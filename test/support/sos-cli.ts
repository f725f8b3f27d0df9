import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../stack/paths";

/** The `sos` command as a user runs it: its bin script, in a process of its own. */
export const sosBin = path.join(projectRoot, "cli", "sos.js");
/** The stand-in Pulumi CLI's folder, put first on PATH. */
export const fakePulumiDir = path.join(projectRoot, "test", "support", "fake-pulumi");

export interface SosRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A sandbox for the command: its own SOS_HOME, the stand-in on PATH, its invocations logged. */
export interface SosSandbox {
  dir: string;
  home: string;
  pulumiLog: string;
  env: NodeJS.ProcessEnv;
}

export function sosSandbox(extra: NodeJS.ProcessEnv = {}): SosSandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sos-cli-"));
  const home = path.join(dir, "home");
  const pulumiLog = path.join(dir, "pulumi-invocations.jsonl");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${fakePulumiDir}${path.delimiter}${process.env.PATH ?? ""}`,
    // A fresh home: the stand-in keeps credentials.json and its workspace files there.
    HOME: dir,
    PULUMI_HOME: path.join(dir, ".pulumi"),
    SOS_HOME: home,
    FAKE_PULUMI_LOG: pulumiLog,
    CLOUDFLARE_API_TOKEN: undefined,
    PULUMI_CONFIG_PASSPHRASE: undefined,
    PULUMI_BACKEND_URL: undefined,
    ...extra,
  };
  return { dir, home, pulumiLog, env };
}

export function runSos(args: string[], env: NodeJS.ProcessEnv, options: { cwd?: string; input?: string } = {}): Promise<SosRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sosBin, ...args], {
      env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)),
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

export interface PulumiInvocation {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: boolean;
}

/** Every call the command made to the stand-in, in order. */
export function pulumiInvocations(log: string): PulumiInvocation[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PulumiInvocation);
}
