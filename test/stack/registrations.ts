import * as pulumi from "@pulumi/pulumi";

/**
 * What a registration carries beyond what test/support/pulumi-mocks.ts records: the inputs exactly as
 * sent (secrets where the SDK put them, not lifted to their container as deserializing does), the
 * options the engine acts on (aliases resolved to URNs as the engine resolves them, import id,
 * ignoreChanges, provider), and the resource's own URN. Wraps the monitor the mocks installed.
 */
export interface RegistrationDetails {
  type: string;
  name: string;
  urn: string;
  parent: string;
  /** The serialized inputs as the wire carries them. */
  raw: Record<string, unknown>;
  aliasUrns: string[];
  importId: string;
  ignoreChanges: string[];
  provider: string;
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
}

interface AliasSpec {
  getName(): string;
  getType(): string;
  getStack(): string;
  getProject(): string;
  getParenturn(): string;
  getNoparent(): boolean;
}

interface Request {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): { toJavaScript(): Record<string, unknown> };
  getAliasesList(): { getUrn(): string; getSpec(): AliasSpec | undefined }[];
  getAliasurnsList(): string[];
  getImportid(): string;
  getIgnorechangesList(): string[];
  getProvider(): string;
  getDeletebeforereplace(): boolean;
  getRetainondelete(): boolean;
}

const rootStackType = "pulumi:pulumi:Stack";

/** The engine's URN: the parent's type chain (the root stack's left out), then the type and name. */
export function urnOf(type: string, name: string, parentUrn: string): string {
  const parentType = parentUrn ? parentUrn.split("::")[2]! : "";
  const chain = parentType && parentType !== rootStackType ? `${parentType}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${chain}::${name}`;
}

/** An alias as the engine reads it: a URN, or a spec whose missing parts are the resource's own. */
function aliasUrn(alias: ReturnType<Request["getAliasesList"]>[number], request: Request): string {
  const spec = alias.getSpec();
  if (!spec) return alias.getUrn();
  const parent = spec.getNoparent() ? "" : spec.getParenturn() || request.getParent();
  const urn = urnOf(spec.getType() || request.getType(), spec.getName() || request.getName(), parent);
  const [, , chain, name] = urn.split("::");
  return `urn:pulumi:${spec.getStack() || pulumi.getStack()}::${spec.getProject() || pulumi.getProject()}::${chain}::${name}`;
}

/** Starts recording; call after the mocks are installed. */
export function recordRegistrations(): RegistrationDetails[] {
  const recorded: RegistrationDetails[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: Request, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    recorded.push({
      type: request.getType(),
      name: request.getName(),
      urn: urnOf(request.getType(), request.getName(), request.getParent()),
      parent: request.getParent(),
      raw: request.getObject().toJavaScript(),
      aliasUrns: [...request.getAliasesList().map((alias) => aliasUrn(alias, request)), ...request.getAliasurnsList()],
      importId: request.getImportid(),
      ignoreChanges: request.getIgnorechangesList(),
      provider: request.getProvider(),
      deleteBeforeReplace: request.getDeletebeforereplace(),
      retainOnDelete: request.getRetainondelete(),
    });
    return register(request, callback);
  };
  return recorded;
}
