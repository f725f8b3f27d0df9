/**
 * A plan-driven engine: the steps a real update, destroy or refresh would take for the plan's
 * resources, with the engine's events (pkg/engine/update.go, events.go), one checkpoint write
 * after each step (so a failed update keeps what it finished), and the summary counts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type Backend, failuresFile, type StackRef } from "./backend";
import type { OperationKind } from "./display";
import { stepState, type StateResource, touch, writeSnapshot } from "./engine-state";
import type { EventLog, StepEventMetadata } from "./events";
import { CliError } from "./errors";
import { shellQuote, sortKeys } from "./formats";
import { packageOf, type Plan, type PlanResource, providerUrn, resourceUrn, stackUrn } from "./plan";
import { detailedDiff, diffKeys, fromPlain, type PMap, Secret } from "./property-values";
import { type ConfigNode, getConfig, valueString } from "./stack-config";
import type { SecretsManager } from "./stack-secrets";
import type { OperationWindow } from "./test-hooks";

export interface EngineRun {
  kind: OperationKind;
  dryRun: boolean;
  backend: Backend;
  ref: StackRef;
  state: StateResource[];
  sm: SecretsManager;
  plan: Plan;
  /** The stack's config after the project's defaults, for the prelude and required keys. */
  config: Map<string, ConfigNode>;
  log: EventLog;
  window: OperationWindow;
  /** destroy --exclude-protected: keep protected resources and what they depend on. */
  excludeProtected: boolean;
}

export interface EngineResult {
  changes: Record<string, number>;
  failed: boolean;
}

type Op = "create" | "update" | "same" | "delete" | "refresh";
type Diff = ReturnType<typeof detailedDiff>;

const isProvider = (r: StateResource): boolean => r.type.startsWith("pulumi:providers:");

/** deleteProtectedError. */
const protectedMessage = (urn: string): string =>
  `resource "${urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, ` +
  "either remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, " +
  `or use the command:\n\`pulumi state unprotect ${shellQuote(urn)}\``;

class Deployment {
  private readonly news: StateResource[] = [];
  private olds: StateResource[];
  private readonly changes: Record<string, number> = {};
  private readonly registered = new Map<string, string>();
  private readonly providers = new Map<string, string>();
  private failed = false;
  private bailed = false;
  private steps = 0;
  private readonly project: string;
  private readonly stackUrn: string;

  constructor(private readonly run: EngineRun) {
    this.olds = [...run.state];
    this.project = run.ref.project;
    this.stackUrn = stackUrn(run.ref.name, this.project);
  }

  async execute(): Promise<EngineResult> {
    const start = Date.now();
    const blind = (): string => "[secret]";
    const prelude: Record<string, string> = {};
    for (const [key, node] of this.run.config) prelude[key] = valueString(node, blind);
    this.run.log.emit({ preludeEvent: { config: sortKeys(prelude) } });
    if (this.run.kind === "update") await this.update();
    else if (this.run.kind === "destroy") await this.destroy();
    else await this.refresh();
    if (this.failed) this.diagnostic("", `${this.run.dryRun ? "preview" : "update"} failed`);
    const failed = this.failed || this.bailed;
    this.run.log.emit({
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: Math.ceil((Date.now() - start) / 1000),
        resourceChanges: sortKeys(this.changes),
        PolicyPacks: {},
        isPreview: this.run.dryRun,
        result: failed ? "failed" : "succeeded",
      },
    });
    this.run.log.emit({ cancelEvent: {} });
    return { changes: this.changes, failed };
  }

  private async update(): Promise<void> {
    const stack = this.registerStack();
    await this.run.window.middle();
    if (this.programFailed()) return;
    for (const resource of this.run.plan.resources) {
      this.register(resource);
      if (this.failed) return;
    }
    this.deleteRemaining(false);
    if (!this.failed) this.registerStackOutputs(stack);
  }

  private async destroy(): Promise<void> {
    await this.run.window.middle();
    this.deleteRemaining(true, this.run.excludeProtected ? this.protectedClosure() : new Set());
  }

  /** getProtectedExcludes: protected resources with their ancestors and providers. */
  private protectedClosure(): Set<string> {
    const kept = new Set<string>();
    const byUrn = new Map(this.olds.map((r) => [r.urn, r]));
    const keep = (r: StateResource | undefined): void => {
      if (!r || kept.has(r.urn)) return;
      kept.add(r.urn);
      keep(byUrn.get(r.parent));
      keep(byUrn.get(r.provider.split("::").slice(0, -1).join("::")));
    };
    for (const r of this.olds) if (r.protect) keep(r);
    return kept;
  }

  private async refresh(): Promise<void> {
    await this.run.window.middle();
    for (const old of [...this.olds]) {
      this.emitStep("resourcePreEvent", "refresh", old, old);
      this.emitStep("resOutputsEvent", "same", old, old);
      if (!isProvider(old)) this.count("same");
    }
    this.persist();
  }

  private registerStack(): { op: Op; old: StateResource | undefined; state: StateResource } {
    const old = this.olds.find((r) => r.urn === this.stackUrn);
    const op: Op = old ? "same" : "create";
    const state: StateResource = old ?? {
      urn: this.stackUrn,
      type: "pulumi:pulumi:Stack",
      custom: false,
      id: "",
      parent: "",
      provider: "",
      inputs: {},
      outputs: {},
      protect: false,
      retainOnDelete: false,
      extra: {},
    };
    this.emitStep("resourcePreEvent", op, old, state);
    if (this.run.dryRun) this.emitStep("resOutputsEvent", op, old, state);
    this.keep(old ? state : touch(state, true));
    this.count(op);
    return { op, old, state };
  }

  /** A program reading a missing required key throws before registering anything else. */
  private programFailed(): boolean {
    for (const key of this.run.plan.configRequired) {
      const full = key.includes(":") ? key : `${this.project}:${key}`;
      if (getConfig(this.run.config, full, true) !== undefined) continue;
      this.diagnostic(
        this.stackUrn,
        `Missing required configuration variable '${full}'\n\tplease set a value using the command \`pulumi config set ${full} <value>\``,
      );
      this.bailed = true;
      return true;
    }
    return false;
  }

  private resolveParent(parent: string | undefined): string {
    if (parent === undefined) return this.stackUrn;
    const urn = parent.startsWith("urn:") ? parent : this.registered.get(parent);
    if (!urn || (urn !== this.stackUrn && ![...this.registered.values()].includes(urn))) {
      throw new CliError(`FAKE_PULUMI_PLAN: parent '${parent}' must be registered before its children`);
    }
    return urn;
  }

  private register(r: PlanResource): void {
    const parent = this.resolveParent(r.parent);
    const urn = resourceUrn(this.run.ref.name, this.project, parent, r.type, r.name);
    this.registered.set(r.name, urn);
    const custom = r.custom !== false;
    const provider = custom ? this.ensureProvider(packageOf(r.type)) : "";
    const old = this.olds.find((o) => o.urn === urn);
    const inputs = fromPlain(r.inputs, r.secretInputs);
    const outputs = custom ? fromPlain({ ...r.inputs, ...r.outputs }, r.secretInputs) : fromPlain(r.outputs);
    const diff = old ? detailedDiff(old.inputs, inputs) : undefined;
    const op: Op = !old ? "create" : diff && Object.keys(diff).length > 0 ? "update" : "same";
    const planned: StateResource = {
      urn,
      type: r.type,
      custom,
      id: old?.id ?? "",
      parent,
      provider,
      inputs,
      outputs: op === "same" && old ? old.outputs : {},
      protect: r.protect ?? false,
      retainOnDelete: r.retainOnDelete ?? false,
      created: old?.created,
      modified: old?.modified,
      extra: old?.extra ?? {},
    };
    const stepDiff = op === "update" ? diff : undefined;
    this.emitStep("resourcePreEvent", op, old, planned, stepDiff);
    if (op !== "same" && this.shouldFail(urn, op, r)) {
      this.failStep(op, old, planned, r.fail?.message ?? "", stepDiff);
      return;
    }
    const applied =
      op === "same" ? planned : touch({ ...planned, id: this.newId(r, outputs, old), outputs }, op === "create");
    this.keep(applied);
    if (custom || this.run.dryRun) this.emitStep("resOutputsEvent", op, old, applied, stepDiff);
    this.count(op);
  }

  private newId(r: PlanResource, outputs: PMap, old: StateResource | undefined): string {
    if (r.custom === false) return "";
    if (old?.id) return old.id;
    if (r.id) return r.id;
    return typeof outputs.id === "string" ? outputs.id : `${r.name}-${randomBytes(4).toString("hex").slice(0, 7)}`;
  }

  /** Default providers are registered on first use, as internal steps that are not counted. */
  private ensureProvider(pkg: string): string {
    const urn = providerUrn(this.run.ref.name, this.project, pkg);
    const known = this.providers.get(urn);
    if (known) return known;
    const old = this.olds.find((r) => r.urn === urn);
    const state: StateResource = old ?? {
      urn,
      type: `pulumi:providers:${pkg}`,
      custom: true,
      id: randomUUID(),
      parent: "",
      provider: "",
      inputs: {},
      outputs: {},
      protect: false,
      retainOnDelete: false,
      extra: {},
    };
    const op: Op = old ? "same" : "create";
    this.emitStep("resourcePreEvent", op, old, state);
    this.keep(old ? state : touch(state, true));
    this.emitStep("resOutputsEvent", op, old, state);
    const ref = `${urn}::${state.id}`;
    this.providers.set(urn, ref);
    return ref;
  }

  private registerStackOutputs(stack: { op: Op; old: StateResource | undefined; state: StateResource }): void {
    const outputs: PMap = {};
    for (const [key, value] of Object.entries(this.run.plan.outputs)) {
      const secret =
        value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).join() === "secret";
      outputs[key] = secret ? new Secret((value as { secret: PMap[string] }).secret) : (value as PMap[string]);
    }
    const current = this.news.find((r) => r.urn === this.stackUrn) ?? stack.state;
    const updated = { ...current, outputs };
    this.keep(updated);
    this.emitStep("resOutputsEvent", stack.op, stack.old, updated);
  }

  /** Resources the program no longer registers (all of them, for destroy), dependents first. */
  private deleteRemaining(everything: boolean, kept = new Set<string>()): void {
    const candidates = this.olds.filter((r) => !kept.has(r.urn));
    const doomed = candidates.filter((r) => !isProvider(r) && (everything || r.urn !== this.stackUrn)).reverse();
    for (const old of [...doomed, ...candidates.filter(isProvider).reverse()]) {
      this.emitStep("resourcePreEvent", "delete", old, undefined);
      const planned = this.run.plan.resources.find((p) => old.urn.endsWith(`::${p.name}`) && old.type === p.type);
      if (old.protect) {
        this.failStep("delete", old, undefined, protectedMessage(old.urn));
        return;
      }
      if (planned && this.shouldFail(old.urn, "delete", planned)) {
        this.failStep("delete", old, undefined, planned.fail?.message ?? "");
        return;
      }
      this.olds = this.olds.filter((r) => r.urn !== old.urn);
      this.persist();
      this.emitStep("resOutputsEvent", "delete", old, undefined);
      if (!isProvider(old)) this.count("delete");
    }
  }

  /** The plan's `fail`: the step fails until it has failed `times` times (counted across runs). */
  private shouldFail(urn: string, op: Op, r: PlanResource): boolean {
    if (this.run.dryRun || !r.fail || r.fail.op !== op) return false;
    const file = failuresFile(this.run.backend, this.run.ref);
    const counts = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, number>) : {};
    const key = `${op} ${urn}`;
    const seen = counts[key] ?? 0;
    if (r.fail.times !== undefined && seen >= r.fail.times) return false;
    counts[key] = seen + 1;
    writeFileSync(file, JSON.stringify(counts));
    return true;
  }

  private failStep(
    op: Op,
    old: StateResource | undefined,
    planned: StateResource | undefined,
    message: string,
    diff?: Diff,
  ): void {
    const urn = (planned ?? old)?.urn ?? "";
    this.diagnostic(urn, message);
    if (!this.run.dryRun) {
      this.run.log.emit({
        resOpFailedEvent: { metadata: this.metadata(op, old, planned, diff), status: 0, steps: this.steps },
      });
    }
    this.failed = true;
  }

  private diagnostic(urn: string, message: string): void {
    this.run.log.emit({
      diagnosticEvent: {
        ...(urn ? { urn } : {}),
        prefix: "error: ",
        message: `${message}\n`,
        color: "never",
        severity: "error",
      },
    });
  }

  /** Records a resource as part of the new state and writes the checkpoint (not in previews). */
  private keep(state: StateResource): void {
    const at = this.news.findIndex((r) => r.urn === state.urn);
    if (at >= 0) this.news[at] = state;
    else this.news.push(state);
    this.olds = this.olds.filter((r) => r.urn !== state.urn);
    this.persist();
  }

  private persist(): void {
    if (!this.run.dryRun) writeSnapshot(this.run.backend, this.run.ref, this.run.sm, [...this.news, ...this.olds]);
  }

  /** Counts a logical step in the summary (and in `steps`, which failure events report). */
  private count(op: Op): void {
    this.changes[op] = (this.changes[op] ?? 0) + 1;
    this.steps++;
  }

  private metadata(
    op: Op,
    old: StateResource | undefined,
    next: StateResource | undefined,
    diff?: Diff,
  ): StepEventMetadata {
    const subject = (next ?? old) as StateResource;
    return {
      op,
      urn: subject.urn,
      type: subject.type,
      old: old ? stepState(old) : null,
      new: next ? stepState(next) : null,
      ...(diff ? { diffs: diffKeys(diff) } : {}),
      detailedDiff: diff ?? null,
      ...(op === "refresh" ? {} : { logical: true }),
      provider: subject.provider,
    };
  }

  private emitStep(
    kind: "resourcePreEvent" | "resOutputsEvent",
    op: Op,
    old: StateResource | undefined,
    next: StateResource | undefined,
    diff?: Diff,
  ): void {
    const body = { metadata: this.metadata(op, old, next, diff), ...(this.run.dryRun ? { planning: true } : {}) };
    this.run.log.emit(kind === "resourcePreEvent" ? { resourcePreEvent: body } : { resOutputsEvent: body });
  }
}

export const runEngine = (r: EngineRun): Promise<EngineResult> => new Deployment(r).execute();
