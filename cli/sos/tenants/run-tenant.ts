import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SosError } from "../errors";
import { cliErrorText, previewStack, runStack, type OperationResult } from "../operations";
import { findPulumi } from "../pulumi-cli";
import { ScriptUi } from "../ui";
import { openStack, type OpenStack } from "../workspace";
import { readTenantsFile, type Tenant } from "./tenants-file";
import { tenantOperations, type TenantResult } from "./tenant-result";

/**
 * One tenant's operation, in a process and work folder of its own (the Automation API's workspace
 * files are not safe to share between concurrent operations: pulumi/pulumi#8186). Every secret is
 * read here from the variables the tenants file names, so none crosses a command line.
 */
export async function runTenant(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: "string" },
      tenant: { type: "string" },
      op: { type: "string" },
      "work-dir": { type: "string" },
      result: { type: "string" },
      log: { type: "string" },
    },
  });
  const operation = tenantOperations.find((op) => op === values.op);
  if (!values.file || !values.tenant || !operation || !values["work-dir"] || !values.result) {
    console.error("__tenant: --file, --tenant, --op, --work-dir and --result are required");
    return 2;
  }
  const started = Date.now();
  const ui = new ScriptUi(true);
  const base = { stack: values.tenant, operation, log: values.log ?? "" };
  let outcome: TenantResult;
  let backend: string | undefined;
  try {
    const file = readTenantsFile(values.file);
    backend = file.backend;
    const tenants = file.tenants;
    const tenant = tenants.find((candidate) => candidate.stack === values.tenant);
    if (!tenant) throw new SosError(`no tenant '${values.tenant}' in ${values.file}`);
    ui.title(`${operation} of tenant ${tenant.stack} (account ${tenant.accountId}, prefix ${tenant.prefix})`);
    const open = await openStack(
      {
        stack: tenant.stack,
        workDir: values["work-dir"],
        backendUrl: backend,
        passphrase: { value: process.env[tenant.passphraseEnv]! },
        cloudflareToken: process.env[tenant.tokenEnv]!,
      },
      await findPulumi(),
      operation === "preview" || operation === "up",
    );
    await applyConfig(open, tenant);
    const result: OperationResult =
      operation === "preview" ? await previewStack(open, ui, { diff: true }) : await runStack(open, ui, operation);
    outcome = { ...base, result: "succeeded", changes: result.changes, migrations: result.migrations, durationMs: Date.now() - started };
  } catch (error) {
    const message = error instanceof SosError ? error.message : cliErrorText(error);
    ui.warn(message);
    outcome = {
      ...base,
      result: "failed",
      changes: {},
      migrations: [],
      durationMs: Date.now() - started,
      error: { message, advice: error instanceof SosError ? error.hint : lockAdvice(message, values.tenant, backend) },
    };
  }
  writeFileSync(values.result, JSON.stringify(outcome));
  return outcome.result === "succeeded" ? 0 : 1;
}

/** The tenant's settings from the file, every run: the file is the source of truth for its config. */
async function applyConfig(open: OpenStack, tenant: Tenant): Promise<void> {
  const plain = { accountId: tenant.accountId, ...tenant.config };
  await open.stack.setAllConfig(
    Object.fromEntries(
      Object.entries(plain).map(([key, value]) => [`sos:${key}`, { value: Array.isArray(value) ? JSON.stringify(value) : String(value) }]),
    ),
  );
  await open.setSecret("cloudflare:apiToken", process.env[tenant.tokenEnv]!);
  for (const [key, variable] of Object.entries(tenant.secrets)) await open.setSecret(`sos:${key}`, process.env[variable]!);
}

/** A lock left by a killed run blocks the stack until it is removed. */
function lockAdvice(message: string, stack: string, backend: string | undefined): string | undefined {
  if (!/currently locked/.test(message)) return undefined;
  return (
    "A run that was killed left its lock. Once no other run is working on this stack, remove it with " +
    `\`PULUMI_BACKEND_URL=${backend ?? "<backend>"} pulumi cancel --stack organization/sos/${stack} --yes\`, then run again.`
  );
}
