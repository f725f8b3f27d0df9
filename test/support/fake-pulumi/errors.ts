/**
 * Errors and exit codes of the stand-in CLI. The codes are the real CLI's taxonomy
 * (pkg/cmd/pulumi/cmd/exit_codes.go): most failures, usage errors included, are 1.
 */
export const ExitCode = {
  error: 1,
  configuration: 2,
  authentication: 3,
  stackNotFound: 6,
  noChanges: 7,
} as const;

/** A failure printed as `error: <message>` on stderr, as cmdutil.DisplayErrorMessage does. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.error,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * result.BailError: the failure was already reported (engine diagnostics), so the CLI exits
 * non-zero without printing anything more.
 */
export class BailError extends CliError {
  constructor(reason: string) {
    super(reason, ExitCode.error);
    this.name = "BailError";
  }
}

export const stackNotFound = (name: string): CliError =>
  new CliError(`no stack named '${name}' found`, ExitCode.stackNotFound);
