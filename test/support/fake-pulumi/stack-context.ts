/**
 * RequireStack (pkg/cmd/pulumi/stack/io.go): the stack a command operates on, named by --stack or
 * selected in the workspace. The stand-in is never interactive, so it never offers to pick or
 * create one.
 */
import * as path from "node:path";
import { type Backend, currentBackend, parseStackRef, refString, type StackRef, stackExists } from "./backend";
import { CliError, stackNotFound } from "./errors";
import type { Invocation } from "./flags";
import { findProject, type Project } from "./project";
import { selectedStack } from "./pulumi-home";

export interface StackContext {
  project: Project | undefined;
  backend: Backend;
  ref: StackRef;
  /** How the CLI prints the stack: the bare name inside its own project. */
  display: string;
}

/** `offerNew` only changes the wording of the "no stack selected" error. */
export function requireStack(inv: Invocation, stackName: string | undefined, offerNew = false): StackContext {
  const project = findProject(inv.cwd);
  const backend = currentBackend(inv.env, project);
  if (stackName) {
    const ref = parseStackRef(backend, stackName);
    if (!stackExists(backend, ref)) throw stackNotFound(stackName);
    return { project, backend, ref, display: refString(backend, ref) };
  }
  if (!project) {
    throw new CliError(
      `no Pulumi.yaml project file found (searching upwards from ${path.resolve(inv.cwd)}). ` +
        "If you have not created a project yet, use `pulumi new` to do so",
    );
  }
  const current = selectedStack(inv.env, project.name, project.file, backend.originalUrl);
  if (current) {
    const ref = parseStackRef(backend, current);
    if (stackExists(backend, ref)) return { project, backend, ref, display: refString(backend, ref) };
  }
  throw new CliError(
    offerNew
      ? "no stack selected; please use `pulumi stack select` or `pulumi stack init` to choose one"
      : "no stack selected; please use `pulumi stack select` to choose one",
  );
}
