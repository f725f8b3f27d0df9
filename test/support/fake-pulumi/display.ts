/**
 * What a person sees: the non-interactive progress display (one line per resource status
 * change, then Diagnostics, Outputs, Resources, Duration), or with --diff the diff display,
 * which reports errors on stderr (pkg/backend/display/progress.go, diff.go). Colors are off, as
 * they are when stdout is not a terminal.
 */
import type { EngineEvent, StepEventMetadata } from "./events";
import { qualifiedType, urnName } from "./plan";
import { SECRET_SIG_KEY } from "./property-values";

export type OperationKind = "update" | "destroy" | "refresh";

export interface DisplayOptions {
  kind: OperationKind;
  dryRun: boolean;
  diff: boolean;
  showSames: boolean;
  suppressOutputs: boolean;
  write: (text: string) => void;
  writeErr: (text: string) => void;
}

const SYMBOLS: Record<string, string> = { create: "+ ", update: "~ ", delete: "- ", refresh: "~ ", same: "  " };
const IN_PROGRESS: Record<string, string> = {
  create: "creating",
  update: "updating",
  delete: "deleting",
  refresh: "refreshing",
  same: "",
};
const DONE: Record<string, string> = {
  create: "created",
  update: "updated",
  delete: "deleted",
  refresh: "refreshed",
  same: "",
};
const PREVIEW_SUMMARY: Record<string, string> = { create: "to create", update: "to update", delete: "to delete" };
const SUMMARY: Record<string, string> = { create: "created", update: "updated", delete: "deleted" };

const isInternal = (md: StepEventMetadata): boolean => md.type.startsWith("pulumi:providers:");
const isStack = (urn: string): boolean => qualifiedType(urn) === "pulumi:pulumi:Stack";

/** Stack outputs as the display prints them: strings quoted, secrets blinded. */
function renderValue(v: unknown): string {
  if (v !== null && typeof v === "object" && SECRET_SIG_KEY in v) return "[secret]";
  return JSON.stringify(v);
}

export class Display {
  private readonly diagnostics = new Map<string, string[]>();
  private readonly failed = new Set<string>();
  private stackOutputs: Record<string, unknown> | undefined;
  private readonly start = Date.now();
  private stack: StepEventMetadata | undefined;
  /** Component resources: the display marks them done when the operation ends. */
  private readonly components: StepEventMetadata[] = [];

  constructor(private readonly opts: DisplayOptions) {}

  /** A status row: op symbol, type, name, status (with [retain] for deletes that keep the resource). */
  private row(md: StepEventMetadata, status: string, trailer = ""): string {
    const symbol = SYMBOLS[md.op] ?? "  ";
    const retain = md.old?.retainOnDelete && md.op === "delete" && status !== "" ? "[retain]" : "";
    return ` ${symbol} ${md.type} ${urnName(md.urn)} ${status}${retain} ${trailer}`;
  }

  private line(md: StepEventMetadata, status: string, trailer = ""): void {
    this.opts.write(`${this.row(md, status, trailer)}\n`);
  }

  private diffBlock(md: StepEventMetadata): void {
    if (md.op === "same" && !this.opts.showSames) return;
    const symbol = (SYMBOLS[md.op] ?? "  ").trim() || " ";
    const lines = [`${symbol} ${md.type}: (${md.op})`];
    const state = md.new ?? md.old;
    if (state?.id) lines.push(`    [id=${state.id}]`);
    lines.push(`    [urn=${md.urn}]`);
    if (md.op === "create") {
      for (const [k, v] of Object.entries(md.new?.inputs ?? {})) lines.push(`    ${k}: ${renderValue(v)}`);
    }
    for (const [p, d] of Object.entries(md.detailedDiff ?? {})) {
      lines.push(`  ${{ add: "+", delete: "-", update: "~" }[d.diffKind] ?? "~"} ${p}`);
    }
    this.opts.write(`${lines.join("\n")}\n`);
  }

  onEvent(event: EngineEvent): void {
    const { dryRun } = this.opts;
    if ("resourcePreEvent" in event) {
      const md = event.resourcePreEvent.metadata;
      if (isStack(md.urn)) this.stack = md;
      else if (!md.new?.custom && ["create", "update"].includes(md.op)) this.components.push(md);
      if (isInternal(md)) return;
      if (this.opts.diff) this.diffBlock(md);
      else if (dryRun) {
        if (md.op !== "same" || isStack(md.urn) || this.opts.showSames) this.line(md, md.op === "same" ? "" : md.op);
      } else if (md.op !== "same" || isStack(md.urn)) {
        this.line(md, md.op === "same" ? "running" : (IN_PROGRESS[md.op] ?? md.op));
      }
    } else if ("resOutputsEvent" in event) {
      const md = event.resOutputsEvent.metadata;
      if (isStack(md.urn) && md.op !== "delete") this.stackOutputs = md.new?.outputs;
      if (isInternal(md) || dryRun || this.opts.diff || isStack(md.urn)) return;
      // A refresh reports "same" once done; the row still reads as a refresh.
      if (this.opts.kind === "refresh") this.line({ ...md, op: "refresh" }, DONE.refresh as string);
      else if (md.op !== "same") this.line(md, DONE[md.op] ?? md.op);
    } else if ("resOpFailedEvent" in event) {
      const md = event.resOpFailedEvent.metadata;
      this.failed.add(md.urn);
      if (!this.opts.diff)
        this.line(md, `**${IN_PROGRESS[md.op] ?? md.op} failed**`, this.diagnostics.get(md.urn)?.at(-1) ?? "");
    } else if ("diagnosticEvent" in event) {
      const d = event.diagnosticEvent;
      const text = `${d.prefix ?? ""}${d.message}`.trimEnd();
      if (this.opts.diff && (d.severity === "error" || d.severity === "warning")) this.opts.writeErr(`${text}\n`);
      const urn = d.urn || this.stack?.urn || "";
      this.diagnostics.set(urn, [...(this.diagnostics.get(urn) ?? []), text]);
    } else if ("summaryEvent" in event) {
      this.finish(event.summaryEvent.resourceChanges);
    }
  }

  private finish(changes: Record<string, number>): void {
    const out: string[] = [];
    if (!this.opts.diff) {
      const stack = this.stack;
      if (stack && !this.opts.dryRun) {
        const errors = (this.diagnostics.get(stack.urn) ?? []).filter((d) => d.startsWith("error")).length;
        const failed = this.failed.size > 0 || errors > 0;
        if (!failed) for (const md of this.components) out.push(this.row(md, DONE[md.op] ?? md.op));
        const status = failed ? `**failed** ${errors} error${errors === 1 ? "" : "s"}` : (DONE[stack.op] ?? "");
        out.push(this.row({ ...stack, op: failed ? "same" : stack.op }, status));
      }
      if (this.diagnostics.size > 0) {
        out.push("Diagnostics:");
        for (const [urn, messages] of this.diagnostics) {
          out.push(`  ${qualifiedType(urn).split("$").at(-1)} (${urnName(urn)}):`);
          out.push(...messages.map((m) => `    ${m.replaceAll("\n", "\n    ").replaceAll("\t", "    ")}`), "");
        }
      }
    }
    if (
      this.stackOutputs &&
      Object.keys(this.stackOutputs).length > 0 &&
      !this.opts.suppressOutputs &&
      this.opts.kind !== "destroy"
    ) {
      out.push("Outputs:");
      for (const [k, v] of Object.entries(this.stackOutputs)) out.push(`    ${k}: ${renderValue(v)}`);
      out.push("");
    }
    out.push("Resources:");
    const labels = this.opts.dryRun ? PREVIEW_SUMMARY : SUMMARY;
    for (const op of ["create", "update", "delete"]) {
      const n = changes[op];
      if (n) out.push(`    ${(SYMBOLS[op] ?? "").trim()} ${n} ${labels[op]}`);
    }
    if (changes.same) out.push(`    ${changes.same} unchanged`);
    const errored = this.failed.size + (this.failed.size > 0 ? 1 : 0);
    if (errored > 0) out.push(`    ${errored} errored`);
    out.push("");
    if (!this.opts.dryRun) out.push(`Duration: ${Math.max(1, Math.round((Date.now() - this.start) / 1000))}s`, "");
    this.opts.write(`${out.join("\n")}\n`);
  }
}
