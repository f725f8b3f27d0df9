/**
 * Commands that read or replace a stack's state: `stack output`, `stack history`, `stack export`,
 * `stack import` (pkg/cmd/pulumi/stack/stack_output.go, stack_history.go, stack_export.go,
 * stack_import.go).
 */
import { readFileSync } from "node:fs";
import {
  type DeploymentV3,
  orderDeployment,
  readCheckpoint,
  readHistory,
  type ResourceV3,
  writeCheckpoint,
} from "./checkpoint";
import { CliError } from "./errors";
import type { Invocation } from "./flags";
import { formatTimeUtc, printJson, sortKeys, table } from "./formats";
import { withLock } from "./locks";
import { crypterFromState, readPassphrase } from "./passphrase";
import { stackUrn } from "./plan";
import { deserialize, encryptPlaintextSecrets, massageSecrets, serializePlaintext } from "./property-values";
import {
  type ConfigNode,
  decryptNode,
  hasSecure,
  isObjectValue,
  loadProjectStack,
  saveProjectStack,
} from "./stack-config";
import { requireStack } from "./stack-context";
import { readStdin } from "./stdin";
import { checkpointDecrypter, stackSecretsManager } from "./stack-secrets";

/** stringifyOutput: strings as they are, anything else as JSON. */
const stringify = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

export async function stackOutput(inv: Invocation): Promise<void> {
  if (inv.flags.bool("json") && inv.flags.bool("shell"))
    throw new CliError("only one of --json and --shell may be set");
  const stack = requireStack(inv, inv.flags.string("stack"));
  const show = inv.flags.bool("show-secrets");
  const latest = readCheckpoint(stack.backend, stack.ref).checkpoint.latest;
  const root = latest?.resources?.find((r) => r.urn === stackUrn(stack.ref.name, stack.ref.project) && !r.parent);
  // Without --show-secrets the blinding provider is used: no passphrase is needed.
  const decrypt = show ? checkpointDecrypter(inv.env, latest) : () => "null";
  const outputs = massageSecrets(deserialize(root?.outputs ?? {}, decrypt), show) as Record<string, unknown>;
  const name = inv.args[0];
  if (name !== undefined) {
    if (!(name in outputs)) throw new CliError(`current stack does not have output property '${name}'`);
    const value = outputs[name];
    process.stdout.write(inv.flags.bool("json") ? printJson(value) : `${stringify(value)}\n`);
  } else if (inv.flags.bool("json")) {
    process.stdout.write(printJson(sortKeys(outputs)));
  } else if (inv.flags.bool("shell")) {
    for (const [k, v] of Object.entries(sortKeys(outputs)))
      process.stdout.write(`${k}=${JSON.stringify(stringify(v))}\n`);
  } else {
    const rows = Object.entries(sortKeys(outputs)).map(([k, v]) => [k, stringify(v)]);
    const body =
      rows.length === 0 ? "    No output values currently in this stack\n" : table(["OUTPUT", "VALUE"], rows, "    ");
    process.stdout.write(`Current stack outputs (${rows.length}):\n${body}`);
  }
}

interface HistoryConfigValue {
  value?: string;
  objectValue?: unknown;
  secret: boolean;
}

/** configValueJSON of a history entry: secrets get a value only when they can be decrypted. */
function historyConfig(config: Record<string, ConfigNode>, decrypt: ((c: string) => string) | undefined) {
  const out: Record<string, HistoryConfigValue> = {};
  for (const key of Object.keys(config).sort()) {
    const node = config[key] as ConfigNode;
    const secret = hasSecure(node);
    let entry: HistoryConfigValue = { secret };
    if (!secret || decrypt) {
      try {
        const plain = decryptNode(node, decrypt ?? String);
        const value = isObjectValue(node) ? JSON.stringify(plain) : String(plain);
        entry = { value, ...(isObjectValue(node) ? { objectValue: plain } : {}), secret };
      } catch {
        entry = { value: "ERROR_UNABLE_TO_DECRYPT", secret };
      }
    }
    out[key] = entry;
  }
  return out;
}

export async function stackHistory(inv: Invocation): Promise<void> {
  const stack = requireStack(inv, inv.flags.string("stack"));
  const updates = readHistory(stack.backend, stack.ref, inv.flags.int("page-size") ?? 10, inv.flags.int("page") ?? 1);
  let decrypt: ((c: string) => string) | undefined;
  if (inv.flags.bool("show-secrets")) {
    if (!stack.project) throw new CliError("loading project: no Pulumi.yaml project file found");
    const ps = loadProjectStack(stack.project, stack.ref.name);
    try {
      const { sm, changed } = stackSecretsManager(inv.env, ps);
      if (changed) saveProjectStack(stack.project, stack.ref.name, ps);
      decrypt = (c) => sm.crypter.decrypt(c);
    } catch (err) {
      throw new CliError(`decrypting secrets: ${(err as Error).message}`);
    }
  }
  if (!inv.flags.bool("json") && inv.flags.string("output") !== "json") {
    if (updates.length === 0) process.stdout.write("Stack has never been updated\n");
    for (const u of updates) {
      process.stdout.write(
        `Version: ${u.version}\nUpdateKind: ${u.kind}\nStatus: ${u.result}\nMessage: ${u.message}\n\n`,
      );
    }
    return;
  }
  const entries = updates.map((u) => ({
    version: u.version,
    kind: u.kind,
    startTime: formatTimeUtc(u.startTime),
    message: u.message,
    environment: sortKeys(u.environment),
    config: historyConfig(u.config as Record<string, ConfigNode>, decrypt),
    result: u.result,
    endTime: formatTimeUtc(u.endTime),
    resourceChanges: sortKeys(u.resourceChanges ?? {}),
  }));
  process.stdout.write(printJson(entries));
}

export async function stackExport(inv: Invocation): Promise<void> {
  const stack = requireStack(inv, inv.flags.string("stack"));
  const chk = readCheckpoint(stack.backend, stack.ref);
  let deployment: DeploymentV3 | null = chk.checkpoint.latest ?? null;
  if (deployment && inv.flags.bool("show-secrets")) {
    const decrypt = checkpointDecrypter(inv.env, deployment);
    deployment = orderDeployment({
      ...deployment,
      resources: (deployment.resources ?? []).map((r) => ({
        ...r,
        ...(r.inputs ? { inputs: serializePlaintext(deserialize(r.inputs, decrypt)) as Record<string, unknown> } : {}),
        ...(r.outputs
          ? { outputs: serializePlaintext(deserialize(r.outputs, decrypt)) as Record<string, unknown> }
          : {}),
      })),
    });
  }
  // json.Encoder with a four-space indent, and its trailing newline.
  process.stdout.write(`${JSON.stringify({ version: chk.version, deployment }, null, 4)}\n`);
}

export async function stackImport(inv: Invocation): Promise<void> {
  const stack = requireStack(inv, inv.flags.string("stack"));
  const file = inv.flags.string("file");
  const text = file ? readFileSync(file, "utf8") : readStdin();
  const untyped = JSON.parse(text) as { version?: number; deployment?: DeploymentV3 };
  if (untyped.version === undefined || untyped.version < 1 || untyped.version > 3) {
    throw new CliError(`could not deserialize deployment: unsupported deployment version ${untyped.version ?? 0}`);
  }
  const deployment = untyped.deployment ?? { manifest: { time: "", magic: "", version: "" } };
  let resources = deployment.resources ?? [];
  if (JSON.stringify(resources).includes('"plaintext"')) {
    // Secrets given in plaintext are encrypted by the secrets manager the deployment names.
    const salt = deployment.secrets_providers?.state?.salt;
    if (!salt) throw new CliError("could not deserialize deployment: plaintext secrets but no secrets provider");
    const crypter = crypterFromState(readPassphrase(inv.env), salt);
    resources = resources.map((r) => encryptPlaintextSecrets(r, crypter) as ResourceV3);
  }
  await withLock(stack.backend, stack.ref, async () =>
    writeCheckpoint(stack.backend, stack.ref, { ...deployment, resources }),
  );
  process.stdout.write("Import complete.\n");
}
