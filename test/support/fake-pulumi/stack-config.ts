/**
 * The stack configuration file Pulumi.<stack>.yaml (workspace.ProjectStack) and its config map:
 * namespaced keys, plain values, `{secure: v1:...}` values, objects set with `--path`.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { CliError } from "./errors";
import type { Project } from "./project";

/** A config value as YAML holds it: a scalar, `{secure: ciphertext}`, or an object/list of those. */
export type ConfigNode =
  string | number | boolean | null | { secure: string } | ConfigNode[] | { [k: string]: ConfigNode };

export interface ProjectStack {
  secretsprovider?: string;
  encryptedkey?: string;
  encryptionsalt?: string;
  config: Map<string, ConfigNode>;
  /** Top-level entries the stand-in does not interpret (environment, ...), kept on save. */
  rest: Record<string, unknown>;
}

const isSecureLeaf = (n: unknown): n is { secure: string } =>
  n !== null &&
  typeof n === "object" &&
  !Array.isArray(n) &&
  Object.keys(n).length === 1 &&
  typeof (n as { secure?: unknown }).secure === "string";

export const isObjectValue = (n: ConfigNode): boolean => n !== null && typeof n === "object" && !isSecureLeaf(n);

export function hasSecure(n: ConfigNode): boolean {
  if (isSecureLeaf(n)) return true;
  if (Array.isArray(n)) return n.some(hasSecure);
  if (n !== null && typeof n === "object") return Object.values(n).some(hasSecure);
  return false;
}

/** The plaintext of a value: secure leaves decrypted (or blinded), objects as JS values. */
export function decryptNode(n: ConfigNode, decrypt: (ciphertext: string) => string): unknown {
  if (isSecureLeaf(n)) return decrypt(n.secure);
  if (Array.isArray(n)) return n.map((e) => decryptNode(e, decrypt));
  if (n !== null && typeof n === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(n).sort()) out[key] = decryptNode(n[key] as ConfigNode, decrypt);
    return out;
  }
  return n;
}

/** config.Value.Value: the string a program receives; objects are JSON. */
export function valueString(n: ConfigNode, decrypt: (ciphertext: string) => string): string {
  const plain = decryptNode(n, decrypt);
  return isObjectValue(n) ? JSON.stringify(plain) : String(plain ?? "");
}

/** config.ParseKey (after the CLI has put bare keys into the project's namespace). */
export function parseConfigKey(key: string, projectName: string | undefined, pathMode = false): string {
  if (pathMode) {
    const cut = key.search(/[[.]/);
    if (cut > 0) return parseConfigKey(key.slice(0, cut), projectName) + key.slice(cut);
  }
  if (!key.includes(":")) {
    if (projectName === undefined) throw new CliError("invalid configuration key: no project name");
    return `${projectName}:${key}`;
  }
  const colons = key.split(":").length - 1;
  if (colons === 1) return key;
  const mm = /^([^:]+):config:([^:]+)$/.exec(key);
  if (colons === 2 && mm) return `${mm[1]}:${mm[2]}`;
  throw new CliError(
    `invalid configuration key: could not parse ${key} as a configuration key ` +
      "(configuration keys should be of the form `<namespace>:<name>`)",
  );
}

/** PrettyKey: keys of the current project are shown without their namespace. */
export const prettyKey = (key: string, projectName: string): string =>
  key.startsWith(`${projectName}:`) ? key.slice(projectName.length + 1) : key;

const stackConfigFile = (project: Project, stackName: string): string =>
  path.join(project.root, `Pulumi.${stackName}.yaml`);

export function loadProjectStack(project: Project, stackName: string): ProjectStack {
  const file = stackConfigFile(project, stackName);
  const raw = existsSync(file) ? ((parseYaml(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>) : {};
  const { secretsprovider, encryptedkey, encryptionsalt, config, ...rest } = raw;
  const map = new Map<string, ConfigNode>();
  for (const [key, value] of Object.entries((config ?? {}) as Record<string, ConfigNode>)) {
    map.set(parseConfigKey(key, project.name), value);
  }
  return {
    secretsprovider: secretsprovider as string | undefined,
    encryptedkey: encryptedkey as string | undefined,
    encryptionsalt: encryptionsalt as string | undefined,
    config: map,
    rest,
  };
}

/** ProjectStack.Save: fields in struct order, config keys sorted, two-space YAML. */
export function saveProjectStack(project: Project, stackName: string, ps: ProjectStack): void {
  const doc: Record<string, unknown> = {};
  if (ps.secretsprovider) doc.secretsprovider = ps.secretsprovider;
  if (ps.encryptedkey) doc.encryptedkey = ps.encryptedkey;
  if (ps.encryptionsalt) doc.encryptionsalt = ps.encryptionsalt;
  if (ps.config.size > 0) {
    const config: Record<string, ConfigNode> = {};
    for (const key of [...ps.config.keys()].sort()) config[key] = ps.config.get(key) as ConfigNode;
    doc.config = config;
  }
  Object.assign(doc, ps.rest);
  const file = stackConfigFile(project, stackName);
  if (Object.keys(doc).length === 0) {
    // An empty ProjectStack marshals to `{}`.
    writeFileSync(file, "{}\n");
    return;
  }
  writeFileSync(file, stringifyYaml(doc, { indent: 2, lineWidth: 0 }));
}

export const removeProjectStackFile = (project: Project, stackName: string): void =>
  rmSync(stackConfigFile(project, stackName), { force: true });

/** ParsePropertyPath: `a.b`, `a[0]`, `a["b.c"]`. */
function parsePath(p: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
  for (const m of p.matchAll(re)) {
    if (m[1] !== undefined) segments.push(Number(m[1]));
    else if (m[2] !== undefined) segments.push(m[2].replaceAll('\\"', '"'));
    else if (m[3] !== undefined) segments.push(m[3]);
  }
  return segments;
}

/** With --path, "true"/"false" become booleans and integers numbers (config.Map.Set). */
export const adjustPathValue = (value: ConfigNode): ConfigNode =>
  typeof value !== "string"
    ? value
    : value === "true"
      ? true
      : value === "false"
        ? false
        : /^-?\d+$/.test(value)
          ? Number(value)
          : value;

/** config.Map.Set: a whole value, or with `path` a value inside an object or list. */
export function setConfig(ps: ProjectStack, key: string, value: ConfigNode, pathMode: boolean): void {
  if (!pathMode) {
    ps.config.set(key, value);
    return;
  }
  const colon = key.indexOf(":");
  const [top, ...rest] = parsePath(key.slice(colon + 1));
  const fullTop = `${key.slice(0, colon)}:${String(top)}`;
  if (rest.length === 0) {
    ps.config.set(fullTop, value);
    return;
  }
  const root = ps.config.get(fullTop);
  const container: ConfigNode = isObjectValue(root ?? null)
    ? (root as ConfigNode)
    : typeof rest[0] === "number"
      ? []
      : {};
  let node = container as Record<string | number, ConfigNode>;
  rest.forEach((segment, i) => {
    const last = i === rest.length - 1;
    if (last) {
      node[segment] = value;
      return;
    }
    const next = rest[i + 1];
    const existing = node[segment];
    if (!isObjectValue(existing ?? null)) node[segment] = typeof next === "number" ? [] : {};
    node = node[segment] as Record<string | number, ConfigNode>;
  });
  ps.config.set(fullTop, container);
}

/** config.Map.Remove; removing a missing key is not an error. */
export function removeConfig(ps: ProjectStack, key: string, pathMode: boolean): void {
  if (!pathMode) {
    ps.config.delete(key);
    return;
  }
  const colon = key.indexOf(":");
  const [top, ...rest] = parsePath(key.slice(colon + 1));
  const fullTop = `${key.slice(0, colon)}:${String(top)}`;
  if (rest.length === 0) {
    ps.config.delete(fullTop);
    return;
  }
  let node = ps.config.get(fullTop) as Record<string | number, ConfigNode> | undefined;
  for (const segment of rest.slice(0, -1)) node = node?.[segment] as Record<string | number, ConfigNode> | undefined;
  const last = rest[rest.length - 1] as string | number;
  if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
  else if (node && typeof node === "object") delete node[last];
}

/** config.Map.Get with a path. */
export function getConfig(config: Map<string, ConfigNode>, key: string, pathMode: boolean): ConfigNode | undefined {
  if (!pathMode) return config.get(key);
  const colon = key.indexOf(":");
  const [top, ...rest] = parsePath(key.slice(colon + 1));
  let node: ConfigNode | undefined = config.get(`${key.slice(0, colon)}:${String(top)}`);
  for (const segment of rest) node = (node as Record<string | number, ConfigNode> | null | undefined)?.[segment];
  return node;
}
