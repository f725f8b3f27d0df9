import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { checkPermissions, countD1Databases, getWorkersDevSubdomain, listAccounts, noWorkersDevSubdomainMessage, verifyToken } from "../cloudflare-account";
import { sosHome, stackDir } from "../home";
import { checkStackName } from "../stack-options";
import { openExisting } from "./upgrade";

export const doctorHelp = `sos doctor: checks what a deployment needs, each on a line with its fix

  Node.js version, the Pulumi CLI, the API token and each permission the stack needs, the account's
  workers.dev subdomain, and the account's D1 database count against the plan's limit.

Usage: sos doctor [--stack <name>] [--account-id <id>]

The token is CLOUDFLARE_API_TOKEN, or the one stored in the stack when it was set up with sos init.
Exits 1 when a check fails.`;

interface Check {
  ok: boolean;
  label: string;
  fix?: string;
}

/** Free accounts may hold 10 D1 databases; paid ones 50,000. */
const freeD1Databases = 10;
const minimumNode = [20, 19] as const;

export async function doctor(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({
    args: argv,
    options: { stack: { type: "string" }, "account-id": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (flags.help) return void console.log(doctorHelp);
  const checks: Check[] = [];
  const print = (check: Check) => {
    checks.push(check);
    console.log(`${check.ok ? "ok  " : "FAIL"} ${check.label}${check.fix ? `\n     fix: ${check.fix}` : ""}`);
  };

  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const nodeOk = major > minimumNode[0] || (major === minimumNode[0] && minor >= minimumNode[1]);
  print({
    ok: nodeOk,
    label: `Node.js ${process.versions.node}`,
    fix: nodeOk ? undefined : `install Node.js ${minimumNode.join(".")} or later (https://nodejs.org)`,
  });

  const pulumi = await PulumiCommand.get().catch(() => undefined);
  print({
    ok: pulumi !== undefined,
    label: pulumi ? `Pulumi CLI ${pulumi.version?.toString() ?? "(version unknown)"} (${pulumi.command})` : "Pulumi CLI not found on PATH",
    fix: pulumi ? undefined : "curl -fsSL https://get.pulumi.com | sh (or brew install pulumi/tap/pulumi); `sos init` can also install it",
  });

  const stored = pulumi ? await storedSettings(flags.stack) : {};
  const token = process.env.CLOUDFLARE_API_TOKEN || stored.token;
  if (!token) {
    print({ ok: false, label: "No Cloudflare API token", fix: "set CLOUDFLARE_API_TOKEN (https://dash.cloudflare.com/profile/api-tokens)" });
    return finish(checks);
  }
  try {
    await verifyToken(token);
    print({ ok: true, label: "API token valid" });
  } catch (error) {
    print({ ok: false, label: `API token refused: ${(error as Error).message}`, fix: "create a new token at https://dash.cloudflare.com/profile/api-tokens" });
    return finish(checks);
  }
  const accounts = await listAccounts(token);
  const accountId = flags["account-id"] ?? stored.accountId ?? (accounts.length === 1 ? accounts[0]!.id : undefined);
  if (!accountId || !accounts.some((account) => account.id === accountId)) {
    print({
      ok: false,
      label: accountId ? `The token does not reach account ${accountId}` : `The token reaches ${accounts.length} accounts`,
      fix: `pick one with --account-id (${accounts.map((account) => `${account.id} ${account.name}`).join("; ") || "none reachable"})`,
    });
    return finish(checks);
  }
  for (const permission of await checkPermissions(token, accountId)) {
    print({
      ok: permission.ok,
      label: `${permission.capability}: ${permission.ok ? "allowed" : "not allowed"}`,
      fix: permission.ok ? undefined : `add "${permission.fix}" to the token`,
    });
  }
  try {
    const subdomain = await getWorkersDevSubdomain(token, accountId);
    print({
      ok: subdomain !== null,
      label: subdomain ? `workers.dev subdomain: ${subdomain}.workers.dev` : "The account has no workers.dev subdomain",
      fix: subdomain ? undefined : noWorkersDevSubdomainMessage(accountId),
    });
  } catch (error) {
    print({ ok: false, label: `The workers.dev subdomain could not be read: ${(error as Error).message}`, fix: "see the permissions above" });
  }
  const databases = await countD1Databases(token, accountId).catch(() => undefined);
  print({
    ok: databases !== undefined && databases < freeD1Databases,
    label:
      databases === undefined
        ? "D1 databases could not be counted"
        : `D1 databases: ${databases} (the free plan allows ${freeD1Databases}, paid plans 50,000; a deployment adds 1)`,
    fix:
      databases !== undefined && databases >= freeD1Databases
        ? "on the free plan, delete an unused database (`npx wrangler d1 delete <name>`) or move to a paid plan"
        : undefined,
  });
  finish(checks);
}

function finish(checks: Check[]): void {
  const failed = checks.filter((check) => !check.ok).length;
  console.log(failed === 0 ? "\nEverything a deployment needs is in place." : `\n${failed} check${failed === 1 ? "" : "s"} failed.`);
  if (failed > 0) process.exitCode = 1;
}

/** The token and account of a stack set up on this machine, if any. */
async function storedSettings(stack = "main"): Promise<{ token?: string; accountId?: string }> {
  if (!existsSync(path.join(stackDir(sosHome(), checkStackName(stack)), "passphrase"))) return {};
  try {
    const config = await (await openExisting({ stack })).stack.getAllConfig();
    return { token: config["cloudflare:apiToken"]?.value, accountId: config["sos:accountId"]?.value };
  } catch {
    return {};
  }
}
