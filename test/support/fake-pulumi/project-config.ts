/**
 * The project's `config:` block applied to a stack's config (pkg/workspace/config.go mergeConfig):
 * defaults and values fill keys the stack does not set; with validation, missing keys and values
 * of the wrong type fail the operation as they do before a real update.
 */
import { CliError } from "./errors";
import type { Project, ProjectConfigType } from "./project";
import { type ConfigNode, decryptNode, getConfig, hasSecure, isObjectValue } from "./stack-config";

const isPrimitive = (v: unknown): boolean => typeof v === "string" || typeof v === "boolean" || Number.isInteger(v);

/** createConfigValue: primitives as their text, anything else as an object value. */
const defaultNode = (v: unknown): ConfigNode => (isPrimitive(v) ? String(v) : (v as ConfigNode));

function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  return sorted
    .map((k, i) => (i === sorted.length - 1 ? `and '${k}'` : i === sorted.length - 2 ? `'${k}' ` : `'${k}', `))
    .join("");
}

const qualify = (projectName: string, key: string): string => (key.includes(":") ? key : `${projectName}:${key}`);

function validType(typeName: string, items: ProjectConfigType["items"], value: unknown): boolean {
  switch (typeName) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return Array.isArray(value) && items !== undefined && value.every((e) => validType(items.type, items.items, e));
  }
}

const fullTypeName = (typeName: string, items: ProjectConfigType["items"]): string =>
  items ? `array<${fullTypeName(items.type, items.items)}>` : typeName;

/**
 * Returns the stack config with the project's defaults applied; with `validate`, throws the
 * errors ValidateStackConfigAndApplyProjectConfig reports.
 */
export function applyProjectConfig(
  project: Project,
  stackName: string,
  stackConfig: Map<string, ConfigNode>,
  validate: false | { decrypt: (ciphertext: string) => string },
): Map<string, ConfigNode> {
  const merged = new Map(stackConfig);
  const missing: string[] = [];
  const keys = Object.keys(project.config).sort();
  for (const key of keys) {
    const type = project.config[key] as ProjectConfigType;
    const full = qualify(project.name, key);
    const onStack = getConfig(merged, full, true) !== undefined;
    const hasValue = type.value !== undefined && type.value !== null;
    const hasDefault = type.default !== undefined && type.default !== null;
    if (!onStack && !hasValue && !hasDefault && full.startsWith(`${project.name}:`)) {
      missing.push(key);
    } else if (!onStack && (hasValue || hasDefault)) {
      merged.set(full, defaultNode(hasDefault ? type.default : type.value));
    }
  }
  if (!validate) return merged;
  if (missing.length > 0) {
    throw new CliError(
      `Stack '${stackName}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissingKeys(missing)}`,
    );
  }
  for (const key of keys) {
    const type = project.config[key] as ProjectConfigType;
    const node = getConfig(merged, qualify(project.name, key), true);
    if (node === undefined || !type.type) continue;
    if (type.secret && !hasSecure(node)) {
      throw new CliError(`Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`);
    }
    const value = decryptNode(node, validate.decrypt);
    // Scalars are validated as the text a program receives; objects as their structure.
    const content = isObjectValue(node) ? value : String(value);
    if (!validType(type.type, type.items, content)) {
      throw new CliError(
        `Stack '${stackName}' with configuration key '${key}' must be of type '${fullTypeName(type.type, type.items)}'`,
      );
    }
  }
  return merged;
}
