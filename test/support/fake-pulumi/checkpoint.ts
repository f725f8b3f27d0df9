/**
 * The files a DIY backend keeps per stack (pkg/backend/diy/state.go): the checkpoint
 * `.pulumi/stacks/<project>/<stack>.json` (compact JSON, previous version in `.json.bak`), its
 * history entries and checkpoint copies under `.pulumi/history`, and backups under
 * `.pulumi/backups`.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { type Backend, backupDir, fqn, historyDir, type StackRef, stackFile } from "./backend";
import { CliError } from "./errors";
import { goTime, unixNanoNow } from "./formats";
import { CLI_VERSION } from "./version";

/** apitype.ResourceV3, the fields the stand-in writes, in the order Go marshals them. */
export interface ResourceV3 {
  urn: string;
  custom: boolean;
  delete?: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  protect?: boolean;
  dependencies?: string[];
  provider?: string;
  retainOnDelete?: boolean;
  created?: string;
  modified?: string;
}

export interface SecretsProvidersV1 {
  type: string;
  state?: { salt?: string } & Record<string, unknown>;
}

export interface DeploymentV3 {
  manifest: { time: string; magic: string; version: string; plugins?: unknown[] };
  secrets_providers?: SecretsProvidersV1;
  resources?: ResourceV3[];
  pending_operations?: unknown[];
  metadata?: Record<string, unknown>;
}

export interface VersionedCheckpoint {
  version: number;
  features?: string[];
  checkpoint: { stack: string; config?: unknown; latest?: DeploymentV3 };
}

/** deploy.Manifest for this CLI: the magic is the SHA-256 of the version string. */
export function newManifest(): DeploymentV3["manifest"] {
  return { time: goTime(), magic: createHash("sha256").update(CLI_VERSION).digest("hex"), version: CLI_VERSION };
}

/** A deployment in Go's field order; `metadata` is a struct, so it is always written. */
export function orderDeployment(d: DeploymentV3): DeploymentV3 {
  const out: DeploymentV3 = { manifest: d.manifest };
  if (d.secrets_providers) out.secrets_providers = d.secrets_providers;
  if (d.resources && d.resources.length > 0) out.resources = d.resources.map(orderResource);
  if (d.pending_operations && d.pending_operations.length > 0) out.pending_operations = d.pending_operations;
  out.metadata = d.metadata ?? {};
  return out;
}

const RESOURCE_FIELDS: (keyof ResourceV3)[] = [
  "urn",
  "custom",
  "delete",
  "id",
  "type",
  "inputs",
  "outputs",
  "parent",
  "protect",
  "dependencies",
  "provider",
  "retainOnDelete",
  "created",
  "modified",
];

function orderResource(r: ResourceV3): ResourceV3 {
  const out: Record<string, unknown> = {};
  for (const key of RESOURCE_FIELDS) {
    const value = r[key];
    // Go's omitempty: zero values and empty maps and slices are left out.
    const empty =
      value === undefined ||
      value === "" ||
      value === false ||
      (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (key === "custom" || !empty) out[key] = value;
  }
  // Fields this stand-in does not model (aliases, hooks, ...) survive an import/export round trip.
  for (const [key, value] of Object.entries(r))
    if (!(key in out) && !RESOURCE_FIELDS.includes(key as keyof ResourceV3)) out[key] = value;
  return out as unknown as ResourceV3;
}

export function readCheckpoint(b: Backend, ref: StackRef): VersionedCheckpoint {
  const file = stackFile(b, ref);
  if (!existsSync(file)) throw new CliError(`failed to load checkpoint: checkpoint does not exist`);
  const chk = JSON.parse(readFileSync(file, "utf8")) as VersionedCheckpoint;
  if (chk.version > 3) {
    throw new CliError(
      `the stack '${ref.name}' is newer than what this version of the Pulumi CLI understands. ` +
        "Please update your version of the Pulumi CLI",
    );
  }
  return chk;
}

/** saveCheckpoint: the previous file is copied to `.bak`, then replaced (compact JSON). */
export function writeCheckpoint(b: Backend, ref: StackRef, latest: DeploymentV3 | undefined): void {
  const file = stackFile(b, ref);
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file)) copyFileSync(file, `${file}.bak`);
  const checkpoint: VersionedCheckpoint["checkpoint"] = { stack: fqn(ref) };
  if (latest) checkpoint.latest = orderDeployment(latest);
  writeFileSync(file, JSON.stringify({ version: 3, checkpoint }));
}

/** backend.UpdateInfo as the DIY backend stores it (its `version` is never set, so 0). */
export interface UpdateInfo {
  kind: "update" | "refresh" | "destroy";
  startTime: number;
  message: string;
  environment: Record<string, string>;
  config: Record<string, unknown>;
  version: number;
  result: "succeeded" | "failed";
  endTime: number;
  resourceChanges?: Record<string, number>;
}

/** addToHistory: `<stack>-<unixnano>.history.json` and a copy of the checkpoint beside it. */
export function addToHistory(b: Backend, ref: StackRef, info: UpdateInfo): void {
  const dir = historyDir(b, ref);
  mkdirSync(dir, { recursive: true });
  const prefix = path.join(dir, `${ref.name}-${unixNanoNow()}`);
  const ordered: UpdateInfo = { ...info };
  if (!ordered.resourceChanges || Object.keys(ordered.resourceChanges).length === 0) delete ordered.resourceChanges;
  writeFileSync(`${prefix}.history.json`, JSON.stringify(ordered));
  copyFileSync(stackFile(b, ref), `${prefix}.checkpoint.json`);
}

/** getHistory: newest first; page and pageSize as the CLI's flags give them. */
export function readHistory(b: Backend, ref: StackRef, pageSize: number, page: number): UpdateInfo[] {
  const dir = historyDir(b, ref);
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith(".history.json"))
    .sort()
    .reverse();
  let start = 0;
  let end = entries.length - 1;
  if (pageSize > 0) {
    start = (Math.max(page, 1) - 1) * pageSize;
    end = Math.min(start + pageSize - 1, entries.length - 1);
  }
  return entries.slice(start, end + 1).map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as UpdateInfo);
}

/** backupStack: a timestamped copy of the checkpoint after each update. */
export function backupStack(b: Backend, ref: StackRef): void {
  const dir = backupDir(b, ref);
  mkdirSync(dir, { recursive: true });
  copyFileSync(stackFile(b, ref), path.join(dir, `${ref.name}.${unixNanoNow()}.json`));
}

/** removeStack: the checkpoint becomes `.bak` (or goes, with its backups), history goes. */
export function removeStackFiles(b: Backend, ref: StackRef, removeBackups: boolean): void {
  const file = stackFile(b, ref);
  if (removeBackups) {
    rmSync(file, { force: true });
    rmSync(`${file}.bak`, { force: true });
    rmSync(backupDir(b, ref), { recursive: true, force: true });
  } else if (existsSync(file)) {
    copyFileSync(file, `${file}.bak`);
    rmSync(file);
  }
  rmSync(historyDir(b, ref), { recursive: true, force: true });
}
