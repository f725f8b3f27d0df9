/**
 * `pulumi config` and its subcommands get, set, set-all, rm, rm-all (pkg/cmd/pulumi/config/config.go).
 */
import { CliError } from "./errors";
import type { Invocation } from "./flags";
import { printJson, table } from "./formats";
import { type Project, requireProject } from "./project";
import { applyProjectConfig } from "./project-config";
import {
  adjustPathValue,
  type ConfigNode,
  decryptNode,
  getConfig,
  hasSecure,
  isObjectValue,
  loadProjectStack,
  parseConfigKey,
  prettyKey,
  type ProjectStack,
  removeConfig,
  saveProjectStack,
  setConfig,
  valueString,
} from "./stack-config";
import { requireStack, type StackContext } from "./stack-context";
import { readStdin } from "./stdin";
import { type SecretsManager, stackSecretsManager } from "./stack-secrets";

const blind = (): string => "[secret]";

/** GetSecretsManager, saving the stack config when it made a new salt. */
function secretsManager(inv: Invocation, project: Project, stackName: string, ps: ProjectStack): SecretsManager {
  const { sm, changed } = stackSecretsManager(inv.env, ps);
  if (changed) saveProjectStack(project, stackName, ps);
  return sm;
}

function context(inv: Invocation, offerNew: boolean): { project: Project; stack: StackContext; ps: ProjectStack } {
  const project = requireProject(inv.cwd);
  const stack = requireStack(inv, inv.flags.string("stack"), offerNew);
  return { project, stack, ps: loadProjectStack(project, stack.ref.name) };
}

const key = (project: Project, raw: string, pathMode: boolean): string => {
  try {
    return parseConfigKey(raw, project.name, pathMode);
  } catch (err) {
    const message = (err as Error).message;
    throw new CliError(
      message.startsWith("invalid configuration key") ? message : `invalid configuration key: ${message}`,
    );
  }
};

interface ConfigValueJson {
  value?: string;
  objectValue?: unknown;
  secret: boolean;
}

export async function configList(inv: Invocation): Promise<void> {
  const { project, stack, ps } = context(inv, true);
  const cfg = applyProjectConfig(project, stack.ref.name, ps.config, false);
  const show = inv.flags.bool("show-secrets");
  let decrypt: (ciphertext: string) => string = blind;
  if (show && [...cfg.values()].some(hasSecure)) {
    const sm = secretsManager(inv, project, stack.ref.name, ps);
    decrypt = (c) => sm.crypter.decrypt(c);
  }
  const keys = [...cfg.keys()].sort();
  if (inv.flags.bool("json")) {
    const out: Record<string, ConfigValueJson> = {};
    for (const k of keys) {
      const node = cfg.get(k) as ConfigNode;
      const secret = hasSecure(node);
      out[k] =
        secret && !show
          ? { secret }
          : {
              value: valueString(node, decrypt),
              ...(isObjectValue(node) ? { objectValue: decryptNode(node, decrypt) } : {}),
              secret,
            };
    }
    process.stdout.write(printJson(out));
    return;
  }
  const rows = keys.map((k) => [prettyKey(k, project.name), valueString(cfg.get(k) as ConfigNode, decrypt)]);
  process.stdout.write(table(["KEY", "VALUE"], rows));
}

export async function configGet(inv: Invocation): Promise<void> {
  const pathMode = inv.flags.bool("path");
  const { project, stack, ps } = context(inv, true);
  const k = key(project, inv.args[0] as string, pathMode);
  const cfg = applyProjectConfig(project, stack.ref.name, ps.config, false);
  const node = getConfig(cfg, k, pathMode);
  if (node === undefined) {
    throw new CliError(`configuration key '${prettyKey(k, project.name)}' not found for stack '${stack.display}'`);
  }
  let decrypt: (ciphertext: string) => string = blind;
  if (hasSecure(node)) {
    const sm = secretsManager(inv, project, stack.ref.name, ps);
    decrypt = (c) => sm.crypter.decrypt(c);
  }
  const raw = valueString(node, decrypt);
  if (!inv.flags.bool("json")) {
    process.stdout.write(`${raw}\n`);
    return;
  }
  const json: ConfigValueJson = {
    value: raw,
    ...(isObjectValue(node) ? { objectValue: decryptNode(node, decrypt) } : {}),
    secret: hasSecure(node),
  };
  process.stdout.write(printJson(json));
}

const SECRET_KEY = /passwd|pass|password|pwd|secret|token/i;

/**
 * looksLikeSecret: the key's name suggests a secret and the value is random-looking. The real
 * CLI measures entropy with zxcvbn; this uses zxcvbn's brute-force estimate (length times the
 * bits of the character classes used), which flags random strings and passes words.
 */
function looksLikeSecret(configKey: string, value: string): boolean {
  if (!SECRET_KEY.test(configKey.slice(configKey.indexOf(":") + 1))) return false;
  const v = value.slice(0, 16);
  if (v.length === 0) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];
  const cardinality = [26, 26, 10, 33].reduce((sum, n, i) => sum + ((classes[i] as RegExp).test(v) ? n : 0), 0);
  const distinct = new Set(v).size;
  const entropy = distinct * Math.log2(cardinality) + (v.length - distinct);
  return entropy >= 80 || (entropy >= 40 && entropy / v.length >= 3);
}

/** cobra's MarkFlagsMutuallyExclusive("secret", "plaintext", "type"). */
function checkExclusive(inv: Invocation): void {
  const set = ["secret", "plaintext", "type"].filter((f) => inv.flags.changed(f)).sort();
  if (set.length > 1) {
    throw new CliError(
      `if any flags in the group [secret plaintext type] are set none of the others can be; [${set.join(" ")}] were all set`,
    );
  }
}

function typedValue(value: string, type: string | undefined): ConfigNode {
  switch (type) {
    case undefined:
    case "":
    case "string":
      return value;
    case "bool":
      return value === "true";
    case "int":
    case "float":
      return Number(value);
    default:
      throw new CliError(`invalid type "${type}"; must be one of string, int, bool, or float`);
  }
}

export async function configSet(inv: Invocation): Promise<void> {
  checkExclusive(inv);
  const pathMode = inv.flags.bool("path");
  const { project, stack, ps } = context(inv, true);
  const k = key(project, inv.args[0] as string, pathMode);
  let value: string;
  if (inv.args.length === 2) {
    value = inv.args[1] as string;
  } else if (!process.stdin.isTTY) {
    // A value piped in: trailing newline removed unless --raw.
    const piped = readStdin();
    value = inv.flags.bool("raw") ? piped : piped.replace(/\n$/, "");
  } else {
    throw new CliError("config value must be specified in non-interactive mode");
  }
  let node: ConfigNode;
  if (inv.flags.bool("secret")) {
    node = { secure: secretsManager(inv, project, stack.ref.name, ps).crypter.encrypt(value) };
  } else {
    node = typedValue(value, inv.flags.string("type"));
    if (!inv.flags.bool("plaintext") && looksLikeSecret(k, value)) {
      throw new CliError(
        `config value for '${k}' looks like a secret; rerun with --secret to encrypt it, or --plaintext if you meant to store in plaintext`,
      );
    }
    if (pathMode) node = adjustPathValue(node);
  }
  setConfig(ps, k, node, pathMode);
  saveProjectStack(project, stack.ref.name, ps);
}

/** parseKeyValuePair: `key=value`, or a quoted key containing `=`. */
function keyValue(project: Project, pair: string, pathMode: boolean): [string, string] {
  const quote = pair[0] === '"' || pair[0] === "'" ? pair[0] : undefined;
  const body = quote ? pair.slice(1) : pair;
  const at = body.indexOf(quote ? `${quote}=` : "=");
  if (at < 0) throw new CliError("config value must be in the form [key]=[value]");
  return [key(project, body.slice(0, at), pathMode), body.slice(at + (quote ? 2 : 1))];
}

export async function configSetAll(inv: Invocation): Promise<void> {
  const pathMode = inv.flags.bool("path");
  const plaintexts = inv.flags.strings("plaintext");
  const secrets = inv.flags.strings("secret");
  const json = inv.flags.string("json");
  if (json && (plaintexts.length > 0 || secrets.length > 0 || pathMode)) {
    throw new CliError("the --json option cannot be used with the --plaintext, --secret or --path options");
  }
  const { project, stack, ps } = context(inv, true);
  let sm: SecretsManager | undefined;
  const encrypt = (text: string): ConfigNode => {
    sm ??= secretsManager(inv, project, stack.ref.name, ps);
    return { secure: sm.crypter.encrypt(text) };
  };
  for (const pair of plaintexts) {
    const [k, v] = keyValue(project, pair, pathMode);
    setConfig(ps, k, pathMode ? adjustPathValue(v) : v, pathMode);
  }
  for (const pair of secrets) {
    const [k, v] = keyValue(project, pair, pathMode);
    setConfig(ps, k, encrypt(v), pathMode);
  }
  if (json) {
    let parsed: Record<string, ConfigValueJson>;
    try {
      parsed = JSON.parse(json) as Record<string, ConfigValueJson>;
    } catch (err) {
      throw new CliError(`could not parse --json argument: ${(err as Error).message}`);
    }
    for (const [jsonKey, entry] of Object.entries(parsed)) {
      if (entry.value === undefined || entry.value === null)
        throw new CliError(`value for --json object key "${jsonKey}" is nil`);
      const k = key(project, jsonKey, false);
      const node = entry.secret
        ? encrypt(entry.value)
        : entry.objectValue !== undefined
          ? (entry.objectValue as ConfigNode)
          : entry.value;
      setConfig(ps, k, node, false);
    }
  }
  saveProjectStack(project, stack.ref.name, ps);
}

export async function configRemove(inv: Invocation): Promise<void> {
  const pathMode = inv.flags.bool("path");
  const { project, stack, ps } = context(inv, true);
  for (const raw of inv.args) removeConfig(ps, key(project, raw, pathMode), pathMode);
  saveProjectStack(project, stack.ref.name, ps);
}
