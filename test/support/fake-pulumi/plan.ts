/**
 * The "program" of the stand-in: a JSON plan named by $FAKE_PULUMI_PLAN listing the resources a
 * program would register, in registration order, and its stack outputs. URNs are built as the
 * engine builds them (resource.NewURN).
 */
import { existsSync, readFileSync } from "node:fs";
import { CliError } from "./errors";

export interface PlanFailure {
  op: "create" | "update" | "delete";
  message: string;
  /** How many attempts fail before the step succeeds; every attempt fails when omitted. */
  times?: number;
}

export interface PlanResource {
  type: string;
  name: string;
  /** A resource of this plan (by name or URN) registered earlier; the stack when omitted. */
  parent?: string;
  /** False for component resources: no ID, no provider. */
  custom?: boolean;
  id?: string;
  inputs?: Record<string, unknown>;
  /** Provider outputs beyond the inputs, which a provider echoes. */
  outputs?: Record<string, unknown>;
  secretInputs?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  fail?: PlanFailure;
}

/** A stack output is a value, or `{secret: value}` for a secret one. */
export interface Plan {
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  configRequired: string[];
}

export function loadPlan(env: NodeJS.ProcessEnv): Plan {
  const file = env.FAKE_PULUMI_PLAN;
  if (!file) return { resources: [], outputs: {}, configRequired: [] };
  if (!existsSync(file)) throw new CliError(`FAKE_PULUMI_PLAN names a missing file: ${file}`);
  const raw = JSON.parse(readFileSync(file, "utf8")) as Partial<Plan>;
  return { resources: raw.resources ?? [], outputs: raw.outputs ?? {}, configRequired: raw.configRequired ?? [] };
}

export const stackUrn = (stack: string, project: string): string =>
  `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;

export const providerUrn = (stack: string, project: string, pkg: string): string =>
  `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::default`;

/** The type part of a URN: `parentType$type` for nested resources. */
export const qualifiedType = (urn: string): string => urn.split("::")[2] ?? "";
export const urnName = (urn: string): string => urn.split("::").slice(3).join("::");

/** resource.NewURN: the parent's qualified type prefixes the type, except for the root stack. */
export function resourceUrn(stack: string, project: string, parentUrn: string, type: string, name: string): string {
  const parentType = qualifiedType(parentUrn);
  const qualified = parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export const packageOf = (type: string): string => type.split(":")[0] ?? type;
