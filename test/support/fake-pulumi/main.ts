/**
 * Entry point of the stand-in `pulumi` (run by the `pulumi` shim beside it; put this folder first
 * on PATH). It records the invocation, finds the command as cobra would, runs it, and turns
 * failures into the real CLI's stderr text and exit codes. Only self-managed backends exist here.
 *
 * Variables for tests: FAKE_PULUMI_PLAN (the "program", see plan.ts), FAKE_PULUMI_LOG,
 * FAKE_PULUMI_CONCURRENCY_DIR, FAKE_PULUMI_DELAY_MS (see test-hooks.ts), FAKE_PULUMI_BUCKETS_DIR
 * (folders standing in for s3://, gs://, azblob:// buckets, see backend.ts).
 */
import { setFullyQualifyStackNames } from "./backend";
import { rootCommand } from "./commands";
import { BailError, CliError } from "./errors";
import { checkArgCount, findCommand, flagsOf, parseFlags, usage } from "./flags";
import { stdinWasRead } from "./stdin";
import { recordInvocation } from "./test-hooks";
import { CLI_VERSION } from "./version";

/** The exit code of errors the CLI does not classify (a crash of this stand-in included). */
const EXIT_INTERNAL = 255;

const unknownCommand = (word: string, path: string): CliError =>
  new CliError(`unknown command "${word}" for "${path}"\n\nRun '${path} --help' for usage.`);

async function main(argv: string[]): Promise<number> {
  const startCwd = process.cwd();
  try {
    const { chain, rest } = findCommand(rootCommand, argv);
    const cmd = chain[chain.length - 1] ?? rootCommand;
    const path = chain.map((c) => c.name).join(" ");
    const { flags, positionals } = parseFlags(flagsOf(chain), rest);
    if (flags.bool("help")) {
      process.stdout.write(usage(chain));
      return 0;
    }
    if (cmd === rootCommand) {
      if (flags.bool("version")) {
        process.stdout.write(`pulumi version ${CLI_VERSION}\n`);
        return 0;
      }
      if (positionals.length > 0) throw unknownCommand(positionals[0] as string, path);
      process.stdout.write(usage(chain));
      throw new BailError(`"${path}" requires a subcommand`);
    }
    // A positional past what a command with subcommands accepts was meant as a subcommand.
    const max = cmd.args?.max ?? Infinity;
    if (cmd.subcommands && positionals.length > max) throw unknownCommand(positionals[max] as string, path);
    const countError = checkArgCount(cmd, positionals);
    if (countError) {
      process.stdout.write(usage(chain));
      throw new CliError(countError);
    }
    const cwd = flags.string("cwd");
    if (cwd) process.chdir(cwd);
    setFullyQualifyStackNames(flags.bool("fully-qualify-stack-names"));
    await cmd.run?.({
      path: chain.slice(1).map((c) => c.name),
      flags,
      args: positionals,
      cwd: process.cwd(),
      env: process.env,
    });
    return 0;
  } catch (err) {
    if (err instanceof BailError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `error: fake pulumi crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_INTERNAL;
  } finally {
    recordInvocation(argv, startCwd, process.env, stdinWasRead());
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
