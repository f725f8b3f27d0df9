import * as pulumi from "@pulumi/pulumi";
import { sameValue } from "../../stack/dynamic-inputs";
import type { CloudflareEmulator } from "../support/cloudflare-emulator";
import { unwrapSecrets } from "../support/pulumi-mocks";
import { fakeProviders, type ProviderContext } from "./fake-cloudflare-provider";
import { startProviderHost, type ProviderHost } from "./provider-host";
import { recordRegistrations, type RegistrationDetails } from "./registrations";

/**
 * Just enough of Pulumi's engine to follow a stack over its life with the real program: `up` runs the
 * program under Pulumi's mocks (preview too), matches each registration with the state by URN or alias,
 * imports when asked, and creates, updates, replaces (create first; a retained resource is left in the
 * account) or deletes what is gone; `destroy` deletes in reverse order and leaves retained resources;
 * `refresh` reads. Dynamic resources run in a provider host from their serialized code, with the inputs
 * and outputs the engine passes (secrets plain, olds being the stored outputs); Cloudflare's resources
 * run the calls of fake-cloudflare-provider.ts against the emulator with the token the stack's explicit
 * provider holds in state. The first failure ends the operation, as the engine's does, and what was
 * done before it stays in state.
 */

export interface StateEntry {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** The explicit provider's URN, for Cloudflare's resources. */
  provider: string;
  retainOnDelete: boolean;
  importId: string;
}

export type Op = "create" | "same" | "update" | "replace" | "import" | "delete" | "retain" | "read" | "skip";

export interface Step {
  op: Op;
  urn: string;
  name: string;
}

export interface Operation {
  steps: Step[];
  /** What dynamic providers printed: the engine shows it among the diagnostics. */
  diagnostics: string[];
  error?: string;
}

const dynamicType = "pulumi-nodejs:dynamic:Resource";
const providerType = "pulumi:providers:cloudflare";

type Kind = "up" | "preview" | "destroy" | "refresh";

export class FakeEngine {
  state: StateEntry[] = [];

  constructor(
    private readonly emulator: CloudflareEmulator,
    private readonly stack: string,
  ) {}

  /** `pulumi up` (or `pulumi preview` with `preview`) of `program`. */
  async up(program: () => void, options: { preview?: boolean } = {}): Promise<Operation> {
    const run = new Run(this, options.preview ? "preview" : "up");
    await run.start(this.stack);
    try {
      program();
      await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
      if (!options.preview && !run.failed) await run.deleteUnmatched();
    } catch (error) {
      run.fail(error);
    }
    return run.finish();
  }

  async destroy(): Promise<Operation> {
    const run = new Run(this, "destroy");
    await run.start(this.stack);
    for (const entry of [...this.state].reverse()) {
      if (run.failed) break;
      await run.remove(entry);
    }
    return run.finish();
  }

  async refresh(): Promise<Operation> {
    const run = new Run(this, "refresh");
    await run.start(this.stack);
    for (const entry of this.state) {
      if (run.failed) break;
      await run.refreshEntry(entry);
    }
    return run.finish();
  }

  entry(name: string): StateEntry | undefined {
    return this.state.find((entry) => entry.name === name);
  }

  /** The API context of a Cloudflare resource: the token its provider holds in state. */
  context(providerUrn: string): ProviderContext {
    const provider = this.state.find((entry) => entry.urn === providerUrn);
    return { base: this.emulator.baseUrl, token: String(provider?.inputs.apiToken ?? "") };
  }

  hostEnvironment(): Record<string, string> {
    return { CLOUDFLARE_API_BASE_URL: this.emulator.baseUrl };
  }
}

/** One operation: its steps, its provider host, and the state it is building. */
class Run {
  readonly steps: Step[] = [];
  failed = false;
  private error?: string;
  private host!: ProviderHost;
  private recorded: RegistrationDetails[] = [];
  private readonly olds: StateEntry[];
  /** What up and refresh leave in state, in registration order. */
  private readonly news: StateEntry[] = [];
  /** Old entries a new one stands for (same URN, or through an alias). */
  private readonly succeeded = new Set<string>();
  private readonly deleted = new Set<string>();
  /** Old resources replaced by a new one, deleted at the end (the engine's create-before-delete). */
  private readonly replaced: StateEntry[] = [];
  private readonly matched = new Set<string>();

  constructor(
    private readonly engine: FakeEngine,
    private readonly kind: Kind,
  ) {
    this.olds = engine.state;
  }

  private get preview(): boolean {
    return this.kind === "preview";
  }

  async start(stack: string): Promise<void> {
    this.host = startProviderHost(this.engine.hostEnvironment());
    await pulumi.runtime.setMocks(
      { newResource: (args) => this.register(args), call: (args) => args.inputs },
      "sos",
      stack,
      this.preview,
    );
    // What the mocks' callback does not see (parent, aliases, options), recorded as each request is sent.
    this.recorded = recordRegistrations();
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error instanceof Error ? error.message : String(error);
  }

  async finish(): Promise<Operation> {
    const diagnostics = await this.host.close();
    if (this.kind === "up" || this.kind === "refresh") {
      // What a failure left unreached stays as it was, beside what was done.
      const kept = this.olds.filter((entry) => !this.succeeded.has(entry.urn) && !this.deleted.has(entry.urn));
      this.engine.state = [...this.news, ...kept];
    } else if (this.kind === "destroy") {
      this.engine.state = this.olds.filter((entry) => !this.deleted.has(entry.urn));
    }
    return { steps: this.steps, diagnostics, ...(this.error !== undefined && { error: this.error }) };
  }

  /** The mocks' newResource: one registration, one step. */
  private async register(
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string; state: Record<string, unknown> }> {
    const details = this.recorded.findLast((entry) => entry.type === args.type && entry.name === args.name)!;
    const urn = details.urn;
    const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
    const old =
      this.olds.find((entry) => entry.urn === urn) ?? this.olds.find((entry) => details.aliasUrns.includes(entry.urn));
    if (old) this.matched.add(old.urn);
    const step = (op: Op) => this.steps.push({ op, urn, name: args.name });
    if (this.failed) {
      step("skip");
      return { id: old?.id ?? "", state: old?.outputs ?? {} };
    }
    const entry: StateEntry = {
      urn,
      type: args.type,
      name: args.name,
      custom: args.custom ?? true,
      parent: details.parent,
      id: old?.id ?? "",
      inputs,
      outputs: old?.outputs ?? {},
      provider: details.provider.split("::").slice(0, -1).join("::"),
      retainOnDelete: details.retainOnDelete,
      importId: details.importId || old?.importId || "",
    };
    try {
      const op = await this.apply(entry, old, details);
      step(op);
      if (!this.preview) {
        this.news.push(entry);
        if (old && op !== "replace") this.succeeded.add(old.urn);
      }
      if (this.preview && (op === "create" || op === "import")) return { id: "", state: inputs };
      return { id: entry.id, state: entry.outputs };
    } catch (error) {
      this.fail(error);
      step("skip");
      return { id: old?.id ?? "", state: old?.outputs ?? {} };
    }
  }

  /** Decides and (unless previewing) performs the step; fills the entry's id and outputs. */
  private async apply(entry: StateEntry, old: StateEntry | undefined, details: RegistrationDetails): Promise<Op> {
    if (!entry.custom || entry.type === providerType) {
      entry.outputs = { ...entry.inputs };
      entry.id = old?.id ?? `${entry.name}-id`;
      return old ? (sameValue(old.inputs, entry.inputs) ? "same" : "update") : "create";
    }
    const imported = details.importId && !(old && old.importId === details.importId);
    if (imported) {
      if (this.preview) return "import";
      const read = await this.read(entry, details.importId);
      if (!read) throw new Error(`resource '${details.importId}' does not exist`);
      const adopted: StateEntry = { ...entry, id: read.id, inputs: read.outputs, outputs: read.outputs };
      const op = await this.change(entry, adopted, details);
      if (op === "replace") throw new Error(`importing ${entry.name} would replace it`);
      return "import";
    }
    if (!old) {
      if (!this.preview) await this.create(entry);
      return "create";
    }
    return this.change(entry, old, details);
  }
  /** Diffs a resource against its stored state and updates or replaces it. */
  private async change(entry: StateEntry, old: StateEntry, details: RegistrationDetails): Promise<Op> {
    for (const key of details.ignoreChanges) {
      if (key in old.inputs) entry.inputs[key] = old.inputs[key];
    }
    entry.id = old.id;
    let replaces: string[];
    let changes: boolean;
    if (entry.type === dynamicType) {
      const diff = (await this.host.call(String(entry.inputs.__provider), "diff", [
        old.id,
        old.outputs,
        entry.inputs,
      ])) as {
        changes?: boolean;
        replaces?: string[];
      };
      replaces = diff.replaces ?? [];
      changes = diff.changes !== false;
    } else {
      const provider = fakeProviders[entry.type]!;
      replaces = provider.replaceOn.filter((key) => !sameValue(old.inputs[key], entry.inputs[key]));
      changes = !sameValue(old.inputs, entry.inputs);
    }
    if (replaces.length > 0) {
      if (!this.preview) {
        await this.create(entry);
        this.replaced.push(old);
      }
      return "replace";
    }
    if (!changes) {
      entry.outputs = old.outputs;
      return "same";
    }
    if (this.preview) {
      entry.outputs = { ...old.outputs, ...entry.inputs };
      return "update";
    }
    if (entry.type === dynamicType) {
      const result = (await this.host.call(String(entry.inputs.__provider), "update", [
        old.id,
        old.outputs,
        entry.inputs,
      ])) as {
        outs?: Record<string, unknown>;
      };
      entry.outputs = { ...result.outs, __provider: entry.inputs.__provider };
    } else {
      entry.outputs = await fakeProviders[entry.type]!.update(old.id, old.outputs, entry.inputs, this.context(entry));
    }
    return "update";
  }

  private context(entry: StateEntry): ProviderContext {
    // A provider registered in this run holds the new token; one only in state, the stored one.
    const provider = this.news.find((candidate) => candidate.urn === entry.provider);
    return provider
      ? { base: this.engine.context(entry.provider).base, token: String(provider.inputs.apiToken) }
      : this.engine.context(entry.provider);
  }

  private async create(entry: StateEntry): Promise<void> {
    if (entry.type === dynamicType) {
      const result = (await this.host.call(String(entry.inputs.__provider), "create", [entry.inputs])) as {
        id: string;
        outs: Record<string, unknown>;
      };
      entry.id = result.id;
      entry.outputs = { ...result.outs, __provider: entry.inputs.__provider };
      return;
    }
    const created = await fakeProviders[entry.type]!.create(entry.inputs, this.context(entry));
    entry.id = created.id;
    entry.outputs = created.outputs;
  }

  private async read(
    entry: StateEntry,
    id: string,
  ): Promise<{ id: string; outputs: Record<string, unknown> } | undefined> {
    const outputs = await fakeProviders[entry.type]!.read(id, entry.inputs, this.context(entry));
    return outputs && { id: id.includes("/") ? id.split("/")[1]! : id, outputs };
  }

  /** Deletes what the program no longer declares, and what was replaced: dependents first. */
  async deleteUnmatched(): Promise<void> {
    const gone = this.olds.filter((entry) => !this.matched.has(entry.urn));
    for (const entry of [...this.replaced, ...gone].sort((a, b) => this.olds.indexOf(b) - this.olds.indexOf(a))) {
      if (this.failed) return;
      await this.remove(entry);
    }
  }

  async remove(entry: StateEntry): Promise<void> {
    const step = (op: Op) => this.steps.push({ op, urn: entry.urn, name: entry.name });
    try {
      if (entry.custom && entry.type !== providerType) {
        if (entry.retainOnDelete) {
          step("retain");
          this.deleted.add(entry.urn);
          return;
        }
        if (entry.type === dynamicType) {
          await this.host.call(String(entry.outputs.__provider ?? entry.inputs.__provider), "delete", [
            entry.id,
            entry.outputs,
          ]);
        } else {
          await fakeProviders[entry.type]!.delete(entry.id, entry.outputs, this.engine.context(entry.provider));
        }
      }
      step("delete");
      this.deleted.add(entry.urn);
    } catch (error) {
      this.fail(error);
    }
  }

  async refreshEntry(entry: StateEntry): Promise<void> {
    if (!entry.custom || entry.type === providerType) {
      this.news.push(entry);
      this.succeeded.add(entry.urn);
      return;
    }
    try {
      if (entry.type === dynamicType) {
        const result = (await this.host.call(String(entry.outputs.__provider), "read", [entry.id, entry.outputs])) as {
          props?: Record<string, unknown>;
        } | null;
        this.news.push({ ...entry, outputs: { ...entry.outputs, ...result?.props } });
      } else {
        const outputs = await fakeProviders[entry.type]!.read(
          entry.id,
          entry.inputs,
          this.engine.context(entry.provider),
        );
        if (outputs) this.news.push({ ...entry, outputs: { ...entry.outputs, ...outputs } });
      }
      this.succeeded.add(entry.urn);
      this.steps.push({ op: "read", urn: entry.urn, name: entry.name });
    } catch (error) {
      this.fail(error);
    }
  }
}
