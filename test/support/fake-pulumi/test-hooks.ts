/**
 * What the stand-in adds for the tests of its callers, driven by FAKE_PULUMI_* variables; the real
 * CLI has nothing like it.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const RECORDED_PREFIXES = ["PULUMI_", "CLOUDFLARE_", "SOS_"];
const HIDDEN_VALUE = /TOKEN|PASSPHRASE|SECRET|KEY/;

/**
 * One JSON line per invocation in $FAKE_PULUMI_LOG, written when it ends, so a caller's test can
 * assert what it ran and whether it passed input on stdin (`stdin`: the command read stdin).
 * Values of secret-looking variables are replaced, so the log itself never holds a secret.
 */
export function recordInvocation(argv: string[], cwd: string, env: NodeJS.ProcessEnv, stdinRead: boolean): void {
  const logFile = env.FAKE_PULUMI_LOG;
  if (!logFile) return;
  const recorded: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (value === undefined || !RECORDED_PREFIXES.some((p) => key.startsWith(p))) continue;
    recorded[key] = HIDDEN_VALUE.test(key) ? "<set>" : value;
  }
  appendFileSync(logFile, `${JSON.stringify({ argv, cwd, env: recorded, stdin: stdinRead })}\n`);
}

/**
 * Marks an engine operation (preview, up, destroy, refresh) as running for its whole duration in
 * $FAKE_PULUMI_CONCURRENCY_DIR, and sleeps $FAKE_PULUMI_DELAY_MS in its middle, so callers can
 * observe how many operations they run at once.
 */
export class OperationWindow {
  private readonly marker: string | undefined;

  constructor(
    env: NodeJS.ProcessEnv,
    operation: string,
    stack: string,
    private readonly delayMs = Number(env.FAKE_PULUMI_DELAY_MS ?? 0),
  ) {
    const dir = env.FAKE_PULUMI_CONCURRENCY_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.marker = path.join(dir, `${process.pid}-${operation}.json`);
    writeFileSync(this.marker, JSON.stringify({ pid: process.pid, operation, stack, start: Date.now() }));
  }

  async middle(): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
  }

  close(): void {
    if (this.marker) rmSync(this.marker, { force: true });
  }
}
