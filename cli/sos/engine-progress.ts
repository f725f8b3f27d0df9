import type { EngineEvent } from "@pulumi/pulumi/automation";
import { isBookkeeping, resourceLabel, resourceName } from "./resource-names";
import type { Progress } from "./ui";

const doing: Record<string, string> = {
  create: "Creating",
  update: "Updating",
  replace: "Replacing",
  "create-replacement": "Replacing",
  delete: "Deleting",
  "delete-replaced": "Removing the replaced",
  discard: "Forgetting (kept in your account)",
  import: "Adopting",
  refresh: "Reading",
};

/**
 * Turns an operation's engine events into progress ("Creating D1 database (memories) — 3 of 9 done")
 * and keeps the error diagnostics, which carry the provider's (Cloudflare's) own words.
 */
export class EngineProgress {
  readonly errors: string[] = [];
  private done = 0;
  changes: Record<string, number> = {};

  constructor(private readonly progress: Progress) {}

  readonly onEvent = (event: EngineEvent): void => {
    const pre = event.resourcePreEvent?.metadata;
    if (pre && !isBookkeeping(pre.type) && pre.op !== "same") {
      this.progress.message(
        `${doing[pre.op] ?? pre.op} ${resourceLabel(pre.type, pre.urn)} ${resourceName(pre.urn)} (${this.done} done so far)`,
      );
    }
    const out = event.resOutputsEvent?.metadata;
    if (out && !isBookkeeping(out.type) && out.op !== "same") this.done += 1;
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error") this.errors.push(stripColor(diagnostic.message).trim());
    if (event.summaryEvent) this.changes = { ...event.summaryEvent.resourceChanges } as Record<string, number>;
  };

  get completed(): number {
    return this.done;
  }
}

/** Pulumi colours diagnostics with `<{%reset%}>`-style tags and ANSI codes. */
export function stripColor(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/<\{%[^%]*%\}>/g, "").replace(/\u001b\[[0-9;]*m/g, "");
}
