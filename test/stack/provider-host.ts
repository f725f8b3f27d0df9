import { spawn } from "node:child_process";
import { projectRoot } from "../../stack/paths";

/**
 * A stand-in for the engine's dynamic provider host (`pulumi-resource-pulumi-nodejs`): one process per
 * operation, started in the program's folder, that loads each serialized provider with
 * require-from-string once (cached by its text, as the host's providerCache does) and runs the methods
 * the engine asks for. What the providers print is kept: the engine shows a dynamic provider's
 * standard output and error among the operation's diagnostics.
 */
export interface ProviderHost {
  call(text: string, method: string, args: unknown[]): Promise<unknown>;
  /** Ends the host and returns what the providers printed, line by line. */
  close(): Promise<string[]>;
}

const hostScript = `
  const requireFromString = require("require-from-string");
  const cache = new Map();
  process.on("message", async ({ id, text, method, args }) => {
    try {
      let provider = cache.get(text);
      if (!provider) {
        provider = requireFromString(text).handler();
        cache.set(text, provider);
      }
      const result = typeof provider[method] === "function" ? await provider[method](...args) : null;
      process.send({ id, result: result === undefined ? null : result });
    } catch (error) {
      process.send({ id, error: String(error && error.message) });
    }
  });
  // The engine ends its provider host with the operation: exit once what was printed is written.
  process.on("disconnect", () => process.stdout.write("", () => process.stderr.write("", () => process.exit(0))));
`;

export function startProviderHost(env: Record<string, string>): ProviderHost {
  const child = spawn(process.execPath, ["-e", hostScript], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let printed = "";
  child.stdout!.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.result);
  });
  // Not "close": with an IPC channel it need not come. The process's end, and all it printed, suffice.
  const ended = (stream: NodeJS.ReadableStream) => new Promise<void>((resolve) => stream.once("end", () => resolve()));
  const exited = Promise.all([
    new Promise<void>((resolve) => child.once("exit", () => resolve())),
    ended(child.stdout!),
    ended(child.stderr!),
  ]).then(() => undefined);
  exited.then(() => {
    for (const pending of waiting.values()) pending.reject(new Error("the provider host exited"));
  });
  return {
    call(text, method, args) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, text, method, args });
      });
    },
    async close() {
      child.disconnect();
      await exited;
      return printed.split("\n").filter((line) => line.trim() !== "");
    },
  };
}
