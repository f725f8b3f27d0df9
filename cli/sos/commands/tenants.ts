import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../errors";
import { privateDir } from "../home";
import { jsonReport, markdownReport } from "../tenants/report";
import { tenantOperations, type TenantResult } from "../tenants/tenant-result";
import { readTenantsFile, type Tenant } from "../tenants/tenants-file";

export const tenantsHelp = `sos tenants: one operation over many tenants (one stack each), for CI pipelines

Usage: sos tenants <preview|up|destroy|refresh> --file tenants.yaml [options]
  --concurrency <n>         tenants run at once, each in its own process and work folder; default: 2
  --only <a,b>              only these tenants (stack names)
  --report <out.md>         the report as Markdown (fit for a pull-request comment)
  --json <out.json>         the report as JSON
  --logs <dir>              one log per tenant; default: ./sos-tenants-logs

The tenants file names the state backend and, for each tenant, its stack, account, the variables
holding its token, passphrase and secrets, and its settings. It is checked whole before anything
runs. The exit code is 1 when any tenant failed. See docs/operations.md for the file and a CI example.`;

const options = {
  file: { type: "string" },
  concurrency: { type: "string" },
  only: { type: "string" },
  report: { type: "string" },
  json: { type: "string" },
  logs: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function tenants(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  if (flags.help) return void console.log(tenantsHelp);
  const operation = tenantOperations.find((op) => op === positionals[0]);
  if (!operation) throw new UsageError(`the operation is one of ${tenantOperations.join(", ")}`);
  if (!flags.file) throw new UsageError("--file: the tenants file is required");
  const concurrency = Number(flags.concurrency ?? "2");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError("--concurrency: a whole number from 1 to 32");
  }
  const file = path.resolve(flags.file);
  const { tenants: all } = readTenantsFile(file);
  const only = flags.only?.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = only?.filter((name) => !all.some((tenant) => tenant.stack === name)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--only: no tenant named ${unknown.join(", ")} in ${file}`);
  const selected = only ? all.filter((tenant) => only.includes(tenant.stack)) : all;

  const logs = path.resolve(flags.logs ?? "sos-tenants-logs");
  mkdirSync(logs, { recursive: true });
  const runDir = mkdtempSync(path.join(os.tmpdir(), "sos-tenants-"));
  console.log(`sos tenants ${operation}: ${selected.length} tenant${selected.length === 1 ? "" : "s"}, at most ${concurrency} at once; logs in ${logs}`);

  const results = await pool(selected, concurrency, async (tenant) => {
    const result = await runChild(tenant, operation, file, runDir, logs);
    console.log(
      `${result.result === "succeeded" ? "ok  " : "FAIL"} ${tenant.stack} (${(result.durationMs / 1000).toFixed(1)} s)${
        result.error ? `: ${result.error.message.split("\n")[0]}` : ""
      }`,
    );
    return result;
  });
  const markdown = markdownReport(operation, results);
  if (flags.report) writeFileSync(path.resolve(flags.report), markdown);
  if (flags.json) writeFileSync(path.resolve(flags.json), jsonReport(operation, results));
  console.log(`\n${markdown}`);
  if (results.some((result) => result.result === "failed")) process.exitCode = 1;
}

/** Runs `work` over the items, at most `limit` at a time, keeping the items' order in the results. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The tenant's run in a child process (the same `sos`), its output into the tenant's log. */
function runChild(tenant: Tenant, operation: string, file: string, runDir: string, logs: string): Promise<TenantResult> {
  const workDir = privateDir(path.join(runDir, "work", tenant.stack));
  const resultFile = path.join(runDir, `${tenant.stack}.result.json`);
  const logFile = path.join(logs, `${tenant.stack}.log`);
  const log = createWriteStream(logFile);
  const started = Date.now();
  const entry = path.resolve(__dirname, "..", "..", "sos.js");
  const args = [entry, "__tenant", "--file", file, "--tenant", tenant.stack, "--op", operation, "--work-dir", workDir, "--result", resultFile, "--log", logFile];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("close", (code) => {
      log.end();
      if (existsSync(resultFile)) return resolve(JSON.parse(readFileSync(resultFile, "utf8")) as TenantResult);
      resolve({
        stack: tenant.stack,
        operation: operation as TenantResult["operation"],
        result: "failed",
        changes: {},
        migrations: [],
        durationMs: Date.now() - started,
        error: { message: `the tenant's process ended with code ${code} before reporting; see ${logFile}` },
        log: logFile,
      });
    });
  });
}
