import * as pulumi from "@pulumi/pulumi";

/** What the engine would receive for one resource registration. */
export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** URNs the resource depends on (explicit and through its inputs). */
  dependencies: string[];
  retainOnDelete: boolean;
  protect: boolean;
  parent: string;
  /** Outputs the engine must store as secrets whatever their inputs. */
  additionalSecretOutputs: string[];
}

const secretSigKey = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

/** True when `value` is a secret as the engine receives it (the RPC secret wrapper). */
export function isRpcSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[secretSigKey] === secretSig;
}

/** Replaces every secret wrapper by its value. */
export function unwrapSecrets(value: unknown): unknown {
  if (isRpcSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)]));
  }
  return value;
}

/** Drops every secret part: what is left is what state and previews show in plain text. */
export function withoutSecrets(value: unknown): unknown {
  if (isRpcSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutSecrets(item)]));
  }
  return value;
}

/** Outputs the provider would compute, for the resources whose outputs the program reads. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "cloudflare:index/pagesProject:PagesProject":
      return { subdomain: `${String(inputs.name)}.pages.dev` };
    case "random:index/randomPassword:RandomPassword":
      return { result: `generated-${name}-${"x".repeat(32)}` };
    default:
      return {};
  }
}

/**
 * Installs Pulumi's own mocks and records each registration, including what the mocks' callback
 * does not see (dependencies, retainOnDelete), by wrapping the mock monitor.
 */
export async function installPulumiMocks(stack = "dev"): Promise<RegisteredResource[]> {
  const registered: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs) },
        };
      },
      call(args) {
        return args.inputs;
      },
    },
    "sos",
    stack,
    false,
  );
  type Request = {
    getType(): string;
    getName(): string;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getDependenciesList(): string[];
    getRetainondelete(): boolean;
    getProtect(): boolean;
    getParent(): string;
    getAdditionalsecretoutputsList(): string[];
  };
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: Request, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc") as {
      deserializeProperties(struct: unknown): Record<string, unknown>;
    };
    registered.push({
      type: request.getType(),
      name: request.getName(),
      inputs: deserializeProperties(request.getObject()),
      dependencies: request.getDependenciesList(),
      retainOnDelete: request.getRetainondelete(),
      protect: request.getProtect(),
      parent: request.getParent(),
      additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
    });
    return register(request, callback);
  };
  return registered;
}

/** Resolves an Output's value (in a test, after the program ran). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
