import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { frontendSuffix, isBookkeeping, migrationsSuffix, resourceLabel, resourceName } from "./resource-names";

export interface PlannedStep {
  op: string;
  label: string;
  name: string;
  /** The inputs that change (`--diff`), e.g. `contentSha256`, `files["/index.html"]`. */
  changes: string[];
}

/** What a preview says an operation will do, in the terms a customer checks before saying yes. */
export interface ChangePlan {
  steps: PlannedStep[];
  /** Migration files the operation will run, in order. */
  migrations: string[];
  /** Files of the chat app the upload adds, changes and removes. */
  frontend: { added: number; changed: number; removed: number; total: number } | undefined;
  counts: Record<string, number>;
}

type Manifest = Record<string, { hash?: string }>;

/** Collects a preview's steps from its engine events (pass `collect` as onEvent). */
export class ChangePlanCollector {
  private readonly metadata: StepEventMetadata[] = [];
  private summary: Record<string, number> = {};

  readonly collect = (event: EngineEvent): void => {
    const metadata = event.resourcePreEvent?.metadata;
    if (metadata && !isBookkeeping(metadata.type)) this.metadata.push(metadata);
    if (event.summaryEvent) this.summary = { ...event.summaryEvent.resourceChanges } as Record<string, number>;
  };

  plan(): ChangePlan {
    const steps = this.metadata.map((step) => ({
      // A resource kept on delete (retainOnDelete: the memories) leaves the stack, not the account.
      op: step.op === "delete" && step.old?.retainOnDelete ? "discard" : step.op,
      label: resourceLabel(step.type, step.urn),
      name: resourceName(step.urn),
      changes: Object.keys(step.detailedDiff ?? {}).length ? Object.keys(step.detailedDiff ?? {}) : (step.diffs ?? []),
    }));
    const migrationsStep = this.metadata.find((step) => resourceName(step.urn).endsWith(migrationsSuffix));
    const frontendStep = this.metadata.find((step) => resourceName(step.urn).endsWith(frontendSuffix));
    return {
      steps,
      migrations: migrationsStep ? pendingMigrations(migrationsStep) : [],
      frontend: frontendStep ? frontendChanges(frontendStep) : undefined,
      counts: this.summary,
    };
  }
}

/** The files the new inputs carry that the old state does not record as applied. */
function pendingMigrations(step: StepEventMetadata): string[] {
  if (step.op === "delete" || step.op === "same") return [];
  const files = Object.keys((step.new?.inputs?.files as Record<string, unknown> | undefined) ?? {});
  const applied = (step.old?.outputs?.applied as Record<string, unknown> | undefined) ?? {};
  return files.filter((name) => !(name in applied)).sort();
}

function frontendChanges(step: StepEventMetadata): ChangePlan["frontend"] {
  if (step.op === "delete" || step.op === "same") return undefined;
  const next = (step.new?.inputs?.files as Manifest | undefined) ?? {};
  const previous = step.op === "create" ? {} : ((step.old?.inputs?.files as Manifest | undefined) ?? {});
  const paths = Object.keys(next);
  return {
    added: paths.filter((file) => !(file in previous)).length,
    changed: paths.filter((file) => file in previous && previous[file]?.hash !== next[file]?.hash).length,
    removed: Object.keys(previous).filter((file) => !(file in next)).length,
    total: paths.length,
  };
}

const opWords: Record<string, string> = {
  create: "create",
  update: "update",
  replace: "replace",
  "create-replacement": "replace",
  delete: "delete",
  discard: "keep in your account, remove from the stack:",
  import: "adopt",
  same: "unchanged",
};

/** The plan as lines: changed resources with their changed inputs, then migrations and app files. */
export function describePlan(plan: ChangePlan, withDiff: boolean): string {
  const lines: string[] = [];
  const changed = plan.steps.filter((step) => step.op !== "same" && step.op !== "read");
  for (const step of changed) {
    lines.push(`${opWords[step.op] ?? step.op} ${step.label} (${step.name})`);
    if (withDiff && step.op !== "create" && step.op !== "delete") {
      for (const key of step.changes.slice(0, 20)) lines.push(`    ~ ${key}`);
      if (step.changes.length > 20) lines.push(`    ... and ${step.changes.length - 20} more`);
    }
  }
  if (changed.length === 0) lines.push("No change: everything is as deployed.");
  if (plan.migrations.length > 0) lines.push(`Migrations to apply: ${plan.migrations.join(", ")}`);
  if (plan.frontend) {
    const { added, changed: modified, removed, total } = plan.frontend;
    lines.push(`Chat app files: ${total} in the build; ${added} to upload new, ${modified} changed, ${removed} removed`);
  }
  const unchanged = plan.counts.same ?? 0;
  if (unchanged > 0 && changed.length > 0) lines.push(`${unchanged} resource${unchanged === 1 ? "" : "s"} unchanged`);
  return lines.join("\n");
}

export function hasChanges(plan: ChangePlan): boolean {
  return plan.steps.some((step) => step.op !== "same" && step.op !== "read");
}
