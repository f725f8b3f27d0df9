/**
 * Command lookup and flag parsing with cobra's and pflag's rules and error messages, so that a
 * caller passing a wrong flag fails here exactly as it would against the real CLI.
 */
import { CliError } from "./errors";

/** optString is a string flag with a NoOptDefVal: `--refresh` alone means `--refresh=true`. */
export type FlagKind = "bool" | "string" | "stringArray" | "int" | "optString";

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
}

export interface Invocation {
  /** The command path as typed, e.g. ["stack", "init"]. */
  path: string[];
  flags: Flags;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  aliases?: string[];
  flags?: FlagSpec[];
  /** Flags this command and all its subcommands accept. */
  persistentFlags?: FlagSpec[];
  /** Positional arguments the constrictor spec allows; omitted means any. */
  args?: { required: number; max: number };
  subcommands?: Command[];
  run?: (inv: Invocation) => Promise<void>;
}

export const bool = (name: string, short?: string): FlagSpec => ({ name, short, kind: "bool" });
export const str = (name: string, short?: string): FlagSpec => ({ name, short, kind: "string" });
export const strs = (name: string, short?: string): FlagSpec => ({ name, short, kind: "stringArray" });
export const int = (name: string, short?: string): FlagSpec => ({ name, short, kind: "int" });
export const optStr = (name: string, short?: string): FlagSpec => ({ name, short, kind: "optString" });

type FlagValue = string | boolean | number | string[];

export class Flags {
  constructor(private readonly values: Map<string, FlagValue>) {}

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === "string" ? v : undefined;
  }

  strings(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }

  int(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === "number" ? v : undefined;
  }

  changed(name: string): boolean {
    return this.values.has(name);
  }

  /** Flags given on the command line, with their boolean value where they are booleans. */
  visited(): [string, boolean | undefined][] {
    return [...this.values].map(([k, v]) => [k, typeof v === "boolean" ? v : undefined]);
  }
}

const matches = (cmd: Command, word: string): boolean => cmd.name === word || (cmd.aliases ?? []).includes(word);

/**
 * Every flag a command accepts: its own, the persistent ones of itself and its ancestors, --help.
 * The nearest definition of a name wins, as a subcommand's flag shadows the root's.
 */
export function flagsOf(chain: Command[]): FlagSpec[] {
  const last = chain[chain.length - 1];
  return [...(last?.flags ?? []), ...[...chain].reverse().flatMap((c) => c.persistentFlags ?? []), bool("help", "h")];
}

function lookup(specs: FlagSpec[], token: string): FlagSpec | undefined {
  if (token.startsWith("--")) {
    const name = token.slice(2).split("=")[0];
    return specs.find((s) => s.name === name);
  }
  return specs.find((s) => s.short === token[1]);
}

const takesValue = (spec: FlagSpec | undefined): boolean =>
  spec !== undefined && spec.kind !== "bool" && spec.kind !== "optString";

/** cobra's Find: walk down the tree on the words that are not flags (or flag values). */
export function findCommand(root: Command, argv: string[]): { chain: Command[]; rest: string[] } {
  const chain = [root];
  const rest: string[] = [];
  let descending = true;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (token.startsWith("-") && token.length > 1) {
      rest.push(token);
      const inline = token.startsWith("--") ? token.includes("=") : token.length > 2;
      if (!inline && takesValue(lookup(flagsOf(chain), token)) && i + 1 < argv.length) {
        rest.push(argv[++i] as string);
      }
      continue;
    }
    const current = chain[chain.length - 1] as Command;
    const sub = descending ? current.subcommands?.find((c) => matches(c, token)) : undefined;
    if (sub) {
      chain.push(sub);
    } else {
      descending = false;
      rest.push(token);
    }
  }
  return { chain, rest };
}

/** strconv.ParseBool's accepted spellings. */
const PARSE_BOOL: Record<string, boolean> = Object.fromEntries([
  ...["1", "t", "T", "TRUE", "true", "True"].map((s) => [s, true]),
  ...["0", "f", "F", "FALSE", "false", "False"].map((s) => [s, false]),
]);

function assign(values: Map<string, FlagValue>, spec: FlagSpec, raw: string, shown: string): void {
  switch (spec.kind) {
    case "bool": {
      const parsed = PARSE_BOOL[raw];
      if (parsed === undefined) {
        throw new CliError(
          `invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
        );
      }
      values.set(spec.name, parsed);
      return;
    }
    case "int": {
      if (!/^[+-]?\d+$/.test(raw)) {
        throw new CliError(
          `invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
        );
      }
      values.set(spec.name, Number(raw));
      return;
    }
    case "stringArray": {
      const previous = values.get(spec.name);
      values.set(spec.name, [...(Array.isArray(previous) ? previous : []), raw]);
      return;
    }
    default:
      values.set(spec.name, raw);
  }
}

const shownName = (spec: FlagSpec): string => (spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`);

/** pflag's parse: flags may come anywhere, `--` ends them. */
export function parseFlags(specs: FlagSpec[], tokens: string[]): { flags: Flags; positionals: string[] } {
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === "--") {
      positionals.push(...tokens.slice(i + 1));
      break;
    }
    if (!token.startsWith("-") || token === "-") {
      positionals.push(token);
      continue;
    }
    if (token.startsWith("--")) {
      const [name = "", ...valueParts] = token.slice(2).split("=");
      const spec = specs.find((s) => s.name === name);
      if (!spec) throw new CliError(`unknown flag: --${name}`);
      if (valueParts.length > 0) {
        assign(values, spec, valueParts.join("="), shownName(spec));
      } else if (spec.kind === "bool") {
        values.set(spec.name, true);
      } else if (spec.kind === "optString") {
        values.set(spec.name, "true");
      } else if (i + 1 < tokens.length) {
        assign(values, spec, tokens[++i] as string, shownName(spec));
      } else {
        throw new CliError(`flag needs an argument: --${name}`);
      }
      continue;
    }
    // Shorthands: `-yf` is two booleans, `-sdev` and `-s=dev` carry a value.
    for (let j = 1; j < token.length; j++) {
      const letter = token[j] as string;
      const spec = specs.find((s) => s.short === letter);
      if (!spec) throw new CliError(`unknown shorthand flag: '${letter}' in ${token}`);
      const remainder = token.slice(j + 1).replace(/^=/, "");
      if (spec.kind === "bool" || spec.kind === "optString") {
        if (token[j + 1] === "=") {
          assign(values, spec, remainder, shownName(spec));
          break;
        }
        values.set(spec.name, spec.kind === "bool" ? true : "true");
        continue;
      }
      if (remainder !== "") {
        assign(values, spec, remainder, shownName(spec));
      } else if (i + 1 < tokens.length) {
        assign(values, spec, tokens[++i] as string, shownName(spec));
      } else {
        throw new CliError(`flag needs an argument: '${letter}' in -${letter}`);
      }
      break;
    }
  }
  return { flags: new Flags(values), positionals };
}

/** The constrictor predicate's messages (pkg/cmd/pulumi/constrictor). */
export function checkArgCount(cmd: Command, args: string[]): string | undefined {
  const spec = cmd.args;
  if (!spec) return undefined;
  const variadic = spec.max === Infinity;
  if (!variadic && spec.required === spec.max && args.length !== spec.max) {
    return `accepts ${spec.max} arg(s), received ${args.length}`;
  }
  if (args.length < spec.required) return `requires at least ${spec.required} arg(s), only received ${args.length}`;
  if (!variadic && args.length > spec.max) return `accepts at most ${spec.max} arg(s), received ${args.length}`;
  return undefined;
}

/** A short cobra-style usage text, printed for --help and before argument-count errors. */
export function usage(chain: Command[]): string {
  const path = chain.map((c) => c.name).join(" ");
  const subs = chain[chain.length - 1]?.subcommands ?? [];
  const lines = [`Usage:`, `  ${path} [flags]`];
  if (subs.length > 0) lines.push(`  ${path} [command]`, ``, `Available Commands:`, ...subs.map((s) => `  ${s.name}`));
  lines.push(``, `Flags:`);
  for (const spec of flagsOf(chain)) {
    lines.push(
      `  ${spec.short ? `-${spec.short}, ` : "    "}--${spec.name}${takesValue(spec) ? ` ${spec.kind === "int" ? "int" : "string"}` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
