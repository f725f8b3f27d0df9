/**
 * The project file (Pulumi.yaml), found by searching upwards from the working directory as
 * workspace.DetectProjectPathFrom does.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { CliError } from "./errors";

/** One entry of the project's `config:` block (workspace.ProjectConfigType). */
export interface ProjectConfigType {
  type?: string;
  items?: { type: string; items?: ProjectConfigType["items"] };
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export interface Project {
  name: string;
  /** Absolute path of Pulumi.yaml; the workspace settings file is keyed by it. */
  file: string;
  /** The directory holding Pulumi.yaml, where Pulumi.<stack>.yaml files live. */
  root: string;
  backendUrl?: string;
  config: Record<string, ProjectConfigType>;
}

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml", "Pulumi.json"];

function findProjectFile(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const found = PROJECT_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
    if (found) return found;
    if (path.dirname(dir) === dir) return undefined;
  }
}

const isPrimitive = (v: unknown): boolean => ["string", "number", "boolean"].includes(typeof v);

/**
 * RewriteShorthandConfigValues: a bare value under `config:` is the default of a key of this
 * project, or the value of another namespace's key.
 */
function projectConfig(name: string, raw: unknown): Record<string, ProjectConfigType> {
  const config: Record<string, ProjectConfigType> = {};
  if (raw === null || typeof raw !== "object") return config;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (isPrimitive(value) || Array.isArray(value)) {
      const ownKey = !key.includes(":") || key.startsWith(`${name}:`);
      config[key] = ownKey ? { default: value } : { value };
    } else {
      config[key] = (value ?? {}) as ProjectConfigType;
    }
  }
  return config;
}

export function findProject(cwd: string): Project | undefined {
  const file = findProjectFile(cwd);
  if (!file) return undefined;
  const text = readFileSync(file, "utf8");
  const raw = (file.endsWith(".json") ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown> | null;
  const name = raw?.name;
  if (typeof name !== "string" || name === "") {
    throw new CliError(`failed to load Pulumi project located at "${file}": project is missing a 'name' attribute`);
  }
  const backend = raw?.backend as { url?: unknown } | undefined;
  return {
    name,
    file,
    root: path.dirname(file),
    backendUrl: typeof backend?.url === "string" ? backend.url : undefined,
    config: projectConfig(name, raw?.config),
  };
}

/** ws.ReadProject for commands that cannot run outside a project. */
export function requireProject(cwd: string): Project {
  const project = findProject(cwd);
  if (!project) {
    throw new CliError(
      `no Pulumi.yaml project file found (searching upwards from ${path.resolve(cwd)}). If you have not ` +
        "created a project yet, use `pulumi new` to do so: no project file found",
    );
  }
  return project;
}
