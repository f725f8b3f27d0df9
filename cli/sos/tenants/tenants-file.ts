import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { defaultPrefix, defaultPrefixProblems, providerKeyNames, settingsSchema } from "../../../stack/config";
import { checkStackName } from "../stack-options";
import { SosError } from "../errors";

/** Secret config keys a tenant may name an environment variable for. */
const secretKeys = ["agentKey", ...Object.values(providerKeyNames)] as const;
const settingKeys = Object.keys(settingsSchema.shape).filter((key) => key !== "accountId");

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

const tenantSchema = z.strictObject({
  /** The stack: one per tenant. */
  stack: z.string(),
  accountId: z.string().regex(/^[0-9a-f]{32}$/, "a Cloudflare account id is 32 lowercase hex characters"),
  /** The variable holding this tenant's Cloudflare API token. */
  tokenEnv: envName,
  /** The variable holding this tenant's secrets passphrase; defaults to the file's passphraseEnv. */
  passphraseEnv: envName.optional(),
  /** Plain stack settings, as `sos:<key>` (see the configuration reference). */
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).default({}),
  /** Secret settings: key → the variable that holds its value. */
  secrets: z.partialRecord(z.enum(secretKeys), envName).default({}),
});

const fileSchema = z.strictObject({
  /** Where every tenant's state lives: any self-managed Pulumi backend (s3://, gs://, azblob://, file://). */
  backend: z.string().regex(/^(s3|gs|azblob|file):\/\/.+/, "a self-managed Pulumi backend URL: s3://, gs://, azblob:// or file://"),
  /** The variable holding the tenants' passphrase, unless a tenant names its own. */
  passphraseEnv: envName.optional(),
  /** A file:// backend on a CI runner is refused unless the runner's disk outlives the run. */
  localBackendPersists: z.boolean().default(false),
  tenants: z.array(tenantSchema).min(1, "lists no tenant"),
});

export type Tenant = z.infer<typeof tenantSchema> & { passphraseEnv: string; prefix: string };
export interface TenantsFile {
  backend: string;
  tenants: Tenant[];
}

/** Reads and checks the whole file: one error listing every problem, before anything runs. */
export function readTenantsFile(file: string, env: NodeJS.ProcessEnv = process.env): TenantsFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new SosError(`${file} could not be read as YAML: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SosError(problemsMessage(file, parsed.error.issues.map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`)));
  }
  const problems: string[] = [];
  const { backend, tenants } = parsed.data;
  if (backend.startsWith("file://") && isCi(env) && !parsed.data.localBackendPersists) {
    problems.push(
      `backend: ${backend} is a folder on this CI runner, which starts empty on every run: the state (what is deployed, ` +
        "the encrypted secrets) would be lost and the next run would try to create every tenant again. Use a bucket " +
        "(s3://, gs://, azblob://), or set localBackendPersists: true if this runner's disk outlives the run.",
    );
  }
  const resolved = tenants.map((tenant, index) => resolveTenant(tenant, index, parsed.data.passphraseEnv, env, problems));
  problems.push(...collisions(resolved));
  if (problems.length > 0) throw new SosError(problemsMessage(file, problems));
  return { backend, tenants: resolved };
}

function resolveTenant(
  tenant: z.infer<typeof tenantSchema>,
  index: number,
  defaultPassphraseEnv: string | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
): Tenant {
  const at = `tenants.${index} (${tenant.stack})`;
  try {
    checkStackName(tenant.stack);
  } catch (error) {
    problems.push(`${at}.stack: ${(error as Error).message.replace(/^--stack: /, "")}`);
  }
  for (const [key, value] of Object.entries(tenant.config)) {
    if (!settingKeys.includes(key)) {
      problems.push(`${at}.config.${key}: not a setting (${key === "accountId" ? "give accountId beside config" : `one of ${settingKeys.join(", ")}`})`);
      continue;
    }
    const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
    const result = (settingsSchema.shape[key as keyof typeof settingsSchema.shape] as z.ZodType).safeParse(text);
    if (!result.success) problems.push(`${at}.config.${key}: ${result.error.issues[0]?.message ?? "invalid"}`);
  }
  const passphraseEnv = tenant.passphraseEnv ?? defaultPassphraseEnv;
  if (!passphraseEnv) problems.push(`${at}.passphraseEnv: required (or passphraseEnv at the top of the file)`);
  const variables = [tenant.tokenEnv, ...(passphraseEnv ? [passphraseEnv] : []), ...Object.values(tenant.secrets)];
  for (const variable of variables) {
    if (!env[variable]) problems.push(`${at}: the variable ${variable} is not set`);
  }
  const given = typeof tenant.config.prefix === "string" && tenant.config.prefix ? tenant.config.prefix : undefined;
  if (!given) problems.push(...defaultPrefixProblems(tenant.stack).map((problem) => `${at}.config.prefix: ${problem.replace(/^sos:prefix: /, "")}`));
  const prefix = given ?? defaultPrefix(tenant.stack);
  return { ...tenant, passphraseEnv: passphraseEnv ?? "", prefix };
}

/** Two stacks in one account whose resources would have the same names would take over each other's. */
function collisions(tenants: Tenant[]): string[] {
  const problems: string[] = [];
  const seenStacks = new Map<string, string>();
  const seenNames = new Map<string, string>();
  for (const tenant of tenants) {
    const stack = tenant.stack.toLowerCase();
    const previousStack = seenStacks.get(stack);
    if (previousStack) problems.push(`tenants: '${tenant.stack}' and '${previousStack}' are the same stack`);
    seenStacks.set(stack, tenant.stack);
    const key = `${tenant.accountId}/${tenant.prefix}`;
    const previous = seenNames.get(key);
    if (previous) {
      problems.push(
        `tenants: '${tenant.stack}' and '${previous}' would both create ${tenant.prefix}-memory, ${tenant.prefix}-worker, ... ` +
          `in account ${tenant.accountId}: give one of them another config.prefix`,
      );
    }
    seenNames.set(key, tenant.stack);
  }
  return problems;
}

function problemsMessage(file: string, problems: string[]): string {
  return `${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was run:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`;
}

export function isCi(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.CI) && env.CI !== "false";
}
