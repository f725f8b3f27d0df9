import { parseArgs } from "node:util";
import { defaultPrefix, providerKeyNames, settingsSchema, type KeyedProvider } from "../../../stack/config";
import { embeddingOptions, providerNames } from "../../../worker/llm/provider-catalog";
import { payloadFields, privacyReport, reportSettingsFrom } from "../../privacy-report-text";
import { registrationPayload, telemetryPayload } from "../../../worker/outbound/payloads";
import {
  checkPermissions,
  getWorkersDevSubdomain,
  listAccounts,
  noWorkersDevSubdomainMessage,
  verifyToken,
} from "../cloudflare-account";
import { describePlan } from "../change-plan";
import { SosError, UsageError } from "../errors";
import { previewStack, runStack } from "../operations";
import { findPulumi } from "../pulumi-cli";
import { resolveTarget, stackFlags, stackFlagsHelp } from "../stack-options";
import { showAgentUrl } from "../outputs";
import { createUi, type Ui } from "../ui";
import { openStack, type OpenStack } from "../workspace";
import { readPassphrase } from "../home";

export const initHelp = `sos init: deploy SOS into your own Cloudflare account, step by step

  1. the Cloudflare API token (CLOUDFLARE_API_TOKEN, or asked without echo), checked for every permission
  2. state kept on this machine (a local Pulumi backend) and a secrets passphrase made for the stack
  3. the configuration: names, the model provider and its key, the embedding provider, data retention, opt-ins
  4. a preview of what will be created, then your go-ahead
  5. the deployment, with progress; run it again after a failure and it continues where it stopped
  6. the chat app's URL with the agent key in its fragment, shown once
  7. the Yellow Pages listing, only if you opt in, with exactly what it sends

Usage: sos init [options]
${stackFlagsHelp}
  --account-id <id>          the Cloudflare account (asked when the token reaches several)
  --prefix <name>            prefix of every resource name; default: sos-<stack>
  --agent-name <name>        the agent's name; default: SOS
  --agent-id <id>            the id memories are stored under; default: the prefix (restoring a
                             backup of another agent: give its id)
  --llm-provider <name>      ${providerNames.join(", ")}; default: workers-ai
  --llm-model <model>        the provider's model; default: the provider's default
  --openai-base-url <url>    an OpenAI-compatible server instead of OpenAI
  --embedding-provider <p>   ${embeddingOptions.join(", ")}; default: workers-ai
  --retain-data <bool>       keep the memories (D1) on destroy; default: true
  --adopt-database-id <id>   take over a D1 database kept by an earlier destroy (its memories and
                             recorded migrations stay as they are)
  --yellow-pages <bool>      opt in to the Yellow Pages listing; default: false
  --telemetry <bool>         opt in to anonymous telemetry; default: false

Secrets come from variables, never flags: CLOUDFLARE_API_TOKEN, OPENAI_API_KEY, ANTHROPIC_API_KEY,
GEMINI_API_KEY, GROQ_API_KEY. SOS_HOME moves the folder that holds state and passphrases (default ~/.sos).`;

/** The variable each keyed provider's key is read from. */
export const providerKeyVariables: Record<KeyedProvider, string> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  gemini: "GEMINI_API_KEY",
  groq: "GROQ_API_KEY",
};

const options = {
  ...stackFlags,
  "account-id": { type: "string" },
  prefix: { type: "string" },
  "agent-name": { type: "string" },
  "agent-id": { type: "string" },
  "llm-provider": { type: "string" },
  "llm-model": { type: "string" },
  "openai-base-url": { type: "string" },
  "embedding-provider": { type: "string" },
  "retain-data": { type: "string" },
  "adopt-database-id": { type: "string" },
  "yellow-pages": { type: "string" },
  telemetry: { type: "string" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof options }>>["values"];

export async function init(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({ args: argv, options, strict: true });
  if (flags.help) return void console.log(initHelp);
  const ui = createUi({ yes: Boolean(flags.yes), nonInteractive: Boolean(flags["non-interactive"]) });
  ui.title("SOS: your agent, in your own Cloudflare account");

  // 1. Cloudflare
  const { token, accountId, subdomain } = await authenticate(ui, flags);

  // 2. State stays here
  const target = resolveTarget(flags, true);
  const pulumi = await findPulumi(ui);
  const open = await openStack({ ...target, cloudflareToken: token }, pulumi);
  ui.step(`State: ${target.backendUrl} (stack '${target.stack}'), on this machine only`);
  if (target.passphraseCreated && "file" in target.passphrase) {
    // Shown on a terminal only: a scripted run's output may end up in a CI log.
    const shown = ui.interactive ? `${readPassphrase(target.passphrase.file)}\n\n` : "";
    ui.note(
      `${shown}Kept in ${target.passphrase.file} (readable by you only). It unlocks the stack's secrets (your keys in\n` +
        "its state): back it up somewhere safe; without it the stack cannot be changed.",
      "A passphrase was made for this stack",
    );
  }

  // 3. Configuration
  const existing = await existingConfig(open);
  const config = await askConfig(ui, flags, existing, target.stack);
  await open.stack.setAllConfig(
    Object.fromEntries(
      Object.entries({ ...config.plain, accountId, workersDevSubdomain: subdomain }).map(([key, value]) => [
        `sos:${key}`,
        { value },
      ]),
    ),
  );
  await open.setSecret("cloudflare:apiToken", token);
  if (config.providerKey) await open.setSecret(`sos:${config.providerKey.name}`, config.providerKey.value);

  // 7 (asked before anything is created): exactly what leaves the account
  const report = privacyReport(reportSettingsFrom(prefixed({ ...existing, ...config.plain })));
  if (config.plain.yellowPages === "true") {
    ui.note(report, "What this deployment may send out of your account");
    if (
      !(await ui.confirm({ message: "List the agent in the Yellow Pages with exactly these fields?", initial: false }))
    ) {
      await open.stack.setConfig("sos:yellowPages", { value: "false" });
      ui.info("The Yellow Pages listing is off.");
    }
  }

  // 4. Preview
  const preview = await previewStack(open, ui, { diff: false });
  ui.note(describePlan(preview.plan!, false), "What will be created");
  if (!(await ui.confirm({ message: "Deploy this into your account?", initial: true }))) {
    ui.done("Nothing was deployed. Run `sos init` again when ready.");
    return;
  }

  // 5. Up
  await runStack(open, ui, "up");

  // 6. The key stays local: shown once
  await showAgentUrl(open, ui);
  ui.done("Deployed. `sos status` shows its health; `sos upgrade` previews and applies a newer version.");
}

interface Account {
  token: string;
  accountId: string;
  subdomain: string;
}

async function authenticate(ui: Ui, flags: Flags): Promise<Account> {
  const token =
    process.env.CLOUDFLARE_API_TOKEN ||
    (await ui.secret({
      message: "Cloudflare API token (create one at https://dash.cloudflare.com/profile/api-tokens)",
      flag: "CLOUDFLARE_API_TOKEN",
      validate: (value) => (value.trim() ? undefined : "the token is required"),
    }));
  const checking = ui.progress("Checking the API token");
  let accounts: { id: string; name: string }[];
  try {
    await verifyToken(token);
    accounts = await listAccounts(token);
  } catch (error) {
    checking.fail("The API token was not accepted");
    throw error;
  }
  checking.stop(`Token valid; it reaches ${accounts.length} account${accounts.length === 1 ? "" : "s"}`);
  const accountId = await pickAccount(ui, accounts, flags["account-id"]);

  const probing = ui.progress("Checking the token's permissions");
  const permissions = await checkPermissions(token, accountId);
  const missing = permissions.filter((permission) => !permission.ok);
  if (missing.length > 0) {
    probing.fail(`The token lacks ${missing.length} permission${missing.length === 1 ? "" : "s"}`);
    throw new SosError(
      `The API token cannot do everything the deployment needs:\n${missing
        .map((permission) => `  - ${permission.capability}: add "${permission.fix}"`)
        .join("\n")}`,
      "Edit the token at https://dash.cloudflare.com/profile/api-tokens, add the permissions above, then run `sos init` again.",
    );
  }
  probing.stop(`The token can manage ${permissions.map((permission) => permission.capability).join(", ")}`);

  const subdomain = await getWorkersDevSubdomain(token, accountId);
  if (!subdomain) {
    throw new SosError(
      "The account has no workers.dev subdomain yet, so the worker would have no address.",
      `${noWorkersDevSubdomainMessage(accountId)} Then run \`sos init\` again.`,
    );
  }
  ui.step(`Account ${accountId}, workers.dev subdomain ${subdomain}.workers.dev`);
  return { token, accountId, subdomain };
}

async function pickAccount(ui: Ui, accounts: { id: string; name: string }[], chosen?: string): Promise<string> {
  if (chosen) {
    if (!accounts.some((account) => account.id === chosen)) {
      throw new UsageError(
        `--account-id: the token does not reach account ${chosen} (it reaches ${accounts.map((account) => account.id).join(", ") || "none"})`,
      );
    }
    return chosen;
  }
  if (accounts.length === 0)
    throw new SosError("The token reaches no account.", "Create the token from the account it should deploy into.");
  if (accounts.length === 1) return accounts[0]!.id;
  return ui.select({
    message: "Which Cloudflare account?",
    choices: accounts.map((account) => ({ value: account.id, label: account.name, hint: account.id })),
    flag: "--account-id",
  });
}

/** What a stack already holds (a rerun starts from its answers), as plain strings by key without `sos:`. */
async function existingConfig(open: OpenStack): Promise<Record<string, string>> {
  const all = await open.stack.getAllConfig();
  return Object.fromEntries(
    Object.entries(all)
      .filter(([key, value]) => key.startsWith("sos:") && !value.secret)
      .map(([key, value]) => [key.slice(4), value.value]),
  );
}

function prefixed(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [`sos:${key}`, value]));
}

interface AskedConfig {
  plain: Record<string, string>;
  providerKey?: { name: string; value: string };
}

function checked(flag: string, check: (value: string) => string | undefined, value: string): string {
  const problem = check(value);
  if (problem) throw new UsageError(`--${flag}: ${problem}`);
  return value;
}

const booleanFlag = (flag: string, value: string | undefined): boolean | undefined => {
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new UsageError(`--${flag}: true or false, not '${value}'`);
};

const oneOf = <T extends string>(flag: string, allowed: readonly T[], value: string | undefined): T | undefined => {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw new UsageError(`--${flag}: one of ${allowed.join(", ")}, not '${value}'`);
};

/** The stack's own validation of one setting (stack/config.ts), as a prompt's or a flag's check. */
function settingCheck(key: "prefix" | "agentName" | "agentId" | "adoptDatabaseId") {
  return (value: string): string | undefined => {
    const result = settingsSchema.shape[key].safeParse(value);
    return result.success ? undefined : result.error.issues[0]?.message;
  };
}

async function askConfig(ui: Ui, flags: Flags, existing: Record<string, string>, stack: string): Promise<AskedConfig> {
  const prefix = await ui.text({
    message: "Prefix of every resource name",
    // An empty setting (the project file's default) means unset.
    initial: flags.prefix || existing.prefix || defaultPrefix(stack),
    flag: "--prefix",
    validate: settingCheck("prefix"),
  });
  const agentName = await ui.text({
    message: "The agent's name",
    initial: flags["agent-name"] || existing.agentName || "SOS",
    flag: "--agent-name",
    validate: settingCheck("agentName"),
  });
  const llmProvider = await ui.select({
    message: "Model provider",
    choices: providerNames.map((name) => ({
      value: name,
      label: name,
      hint: name === "workers-ai" ? "inside your Cloudflare account, no key" : `needs your ${name} key`,
    })),
    initial:
      oneOf("llm-provider", providerNames, flags["llm-provider"]) ??
      ((existing.llmProvider || "workers-ai") as (typeof providerNames)[number]),
    flag: "--llm-provider",
  });
  const openaiBaseUrl = flags["openai-base-url"] ?? existing.openaiBaseUrl ?? "";
  let providerKey: AskedConfig["providerKey"];
  if (llmProvider !== "workers-ai" && !(llmProvider === "openai" && openaiBaseUrl)) {
    const variable = providerKeyVariables[llmProvider];
    const value =
      process.env[variable] ||
      (await ui.secret({
        message: `${llmProvider} API key (sent only to ${llmProvider}, stored encrypted in the stack)`,
        flag: variable,
        validate: (text) => (text.trim() ? undefined : "the key is required"),
      }));
    providerKey = { name: providerKeyNames[llmProvider], value };
  }
  const embeddingProvider = await ui.select({
    message: "Embedding provider of the memory",
    choices: embeddingOptions
      .filter((name) => name === "workers-ai" || name === "hash" || name === llmProvider)
      .map((name) => ({
        value: name,
        label: name,
        hint: name === "hash" ? "built in: nothing is sent, no paraphrases found" : undefined,
      })),
    initial:
      oneOf("embedding-provider", embeddingOptions, flags["embedding-provider"]) ??
      ((existing.embeddingProvider || "workers-ai") as (typeof embeddingOptions)[number]),
    flag: "--embedding-provider",
  });
  const retainData = await askBoolean(
    ui,
    flags,
    existing,
    "retain-data",
    "retainData",
    true,
    "Keep the memories (the D1 database) when the deployment is destroyed?",
  );
  const yellowPages = await askBoolean(
    ui,
    flags,
    existing,
    "yellow-pages",
    "yellowPages",
    false,
    `Opt in to the Yellow Pages? It publishes ${payloadFields(registrationPayload).join(", ")}; never user data.`,
  );
  const telemetry = await askBoolean(
    ui,
    flags,
    existing,
    "telemetry",
    "telemetry",
    false,
    `Opt in to anonymous telemetry? Once a day: ${payloadFields(telemetryPayload).join(", ")}, no identifier.`,
  );
  return {
    plain: {
      prefix,
      agentName,
      agentId: checked("agent-id", settingCheck("agentId"), flags["agent-id"] ?? existing.agentId ?? ""),
      adoptDatabaseId: checked(
        "adopt-database-id",
        settingCheck("adoptDatabaseId"),
        flags["adopt-database-id"] ?? existing.adoptDatabaseId ?? "",
      ),
      llmProvider,
      llmModel: flags["llm-model"] ?? existing.llmModel ?? "",
      openaiBaseUrl,
      embeddingProvider,
      retainData: String(retainData),
      yellowPages: String(yellowPages),
      telemetry: String(telemetry),
    },
    providerKey,
  };
}

async function askBoolean(
  ui: Ui,
  flags: Flags,
  existing: Record<string, string>,
  flag: "retain-data" | "yellow-pages" | "telemetry",
  key: string,
  fallback: boolean,
  message: string,
): Promise<boolean> {
  const given = booleanFlag(flag, flags[flag]);
  if (given !== undefined) return given;
  const initial = existing[key] === undefined ? fallback : existing[key] === "true";
  return ui.interactive ? ui.confirm({ message, initial }) : initial;
}
