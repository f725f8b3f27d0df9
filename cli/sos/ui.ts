import * as clack from "@clack/prompts";
import { UsageError } from "./errors";

/** A choice of a select prompt. */
export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

/** A long step's progress: started, updated as it goes, then stopped or failed. */
export interface Progress {
  message(text: string): void;
  stop(text: string): void;
  fail(text: string): void;
}

/**
 * What a command says and asks. Interactive on a terminal (prompts, spinners); plain lines when
 * scripted, where a missing answer is an error naming the flag or variable that gives it.
 */
export interface Ui {
  readonly interactive: boolean;
  title(text: string): void;
  step(text: string): void;
  info(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  /** A block of text set apart (a payload, a URL to keep). */
  note(text: string, heading: string): void;
  done(text: string): void;
  text(question: { message: string; initial?: string; flag: string; validate?: (value: string) => string | undefined }): Promise<string>;
  secret(question: { message: string; flag: string; validate?: (value: string) => string | undefined }): Promise<string>;
  select<T extends string>(question: { message: string; choices: Choice<T>[]; initial?: T; flag: string }): Promise<T>;
  /** Scripted, a confirmation is given by --yes and refused otherwise. */
  confirm(question: { message: string; initial?: boolean }): Promise<boolean>;
  progress(text: string): Progress;
}

/** Answers a prompt or ends the command when the user pressed Ctrl-C / Escape. */
function answered<T>(value: T): Exclude<T, symbol> {
  if (clack.isCancel(value)) {
    clack.cancel("Cancelled: nothing more was changed.");
    process.exit(130);
  }
  return value as Exclude<T, symbol>;
}

/** Clack's validate hook wants `undefined` for a valid value and a message otherwise. */
function validator(validate?: (value: string) => string | undefined) {
  return validate && ((value: string | undefined) => validate(value ?? ""));
}

export class TerminalUi implements Ui {
  readonly interactive = true;

  title(text: string): void {
    clack.intro(text);
  }
  step(text: string): void {
    clack.log.step(text);
  }
  info(text: string): void {
    clack.log.info(text);
  }
  success(text: string): void {
    clack.log.success(text);
  }
  warn(text: string): void {
    clack.log.warn(text);
  }
  note(text: string, heading: string): void {
    clack.note(text, heading);
  }
  done(text: string): void {
    clack.outro(text);
  }
  async text(question: Parameters<Ui["text"]>[0]): Promise<string> {
    const value = answered(
      await clack.text({
        message: question.message,
        initialValue: question.initial,
        defaultValue: question.initial,
        validate: validator(question.validate),
      }),
    );
    return value.trim();
  }
  async secret(question: Parameters<Ui["secret"]>[0]): Promise<string> {
    return answered(await clack.password({ message: question.message, validate: validator(question.validate) })).trim();
  }
  async select<T extends string>(question: { message: string; choices: Choice<T>[]; initial?: T }): Promise<T> {
    const options = question.choices.map((choice) => ({ value: choice.value, label: choice.label, hint: choice.hint }));
    // Clack's option type is conditional on the value type; the choices are built to its shape above.
    return answered(
      await clack.select<T>({
        message: question.message,
        options: options as Parameters<typeof clack.select<T>>[0]["options"],
        initialValue: question.initial,
      }),
    );
  }
  async confirm(question: { message: string; initial?: boolean }): Promise<boolean> {
    return answered(await clack.confirm({ message: question.message, initialValue: question.initial ?? true }));
  }
  progress(text: string): Progress {
    const spin = clack.spinner({ indicator: "timer" });
    spin.start(text);
    return {
      message: (next) => spin.message(next),
      stop: (last) => spin.stop(last),
      fail: (last) => spin.error(last),
    };
  }
}

/** Plain lines for scripts and CI logs: every answer comes from a flag or a variable. */
export class ScriptUi implements Ui {
  readonly interactive = false;

  constructor(
    private readonly yes: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  private line(text: string, stream = this.out): void {
    stream.write(`${text}\n`);
  }
  title(text: string): void {
    this.line(`== ${text}`);
  }
  step(text: string): void {
    this.line(`-> ${text}`);
  }
  info(text: string): void {
    this.line(`   ${text}`);
  }
  success(text: string): void {
    this.line(`ok ${text}`);
  }
  warn(text: string): void {
    this.line(`!! ${text}`, this.err);
  }
  note(text: string, heading: string): void {
    this.line(`-- ${heading}`);
    for (const row of text.split("\n")) this.line(`   ${row}`);
  }
  done(text: string): void {
    if (text) this.line(`== ${text}`);
  }
  async text(question: { message: string; initial?: string; flag: string; validate?: (value: string) => string | undefined }): Promise<string> {
    if (question.initial === undefined) throw new UsageError(`${question.message}: give it with ${question.flag}`);
    const problem = question.validate?.(question.initial);
    if (problem) throw new UsageError(`${question.flag}: ${problem}`);
    return question.initial;
  }
  async secret(question: { message: string; flag: string }): Promise<string> {
    throw new UsageError(`${question.message}: set ${question.flag}`);
  }
  async select<T extends string>(question: { message: string; choices: Choice<T>[]; initial?: T; flag: string }): Promise<T> {
    if (question.initial === undefined) {
      const values = question.choices.map((choice) => choice.value).join(", ");
      throw new UsageError(`${question.message}: give it with ${question.flag} (one of ${values})`);
    }
    return question.initial;
  }
  async confirm(question: { message: string }): Promise<boolean> {
    if (!this.yes) throw new UsageError(`${question.message} Pass --yes to confirm when not running on a terminal.`);
    this.line(`-> ${question.message} yes (--yes)`);
    return true;
  }
  progress(text: string): Progress {
    this.line(`.. ${text}`);
    let last = text;
    return {
      message: (next) => {
        if (next !== last) this.line(`.. ${next}`);
        last = next;
      },
      stop: (done) => this.line(`ok ${done}`),
      fail: (failed) => this.line(`!! ${failed}`, this.err),
    };
  }
}

/** A terminal on both ends and not CI: ask; otherwise take answers from flags and variables. */
export function createUi(options: { yes: boolean; nonInteractive: boolean }): Ui {
  const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const ci = Boolean(process.env.CI) && process.env.CI !== "false";
  return terminal && !ci && !options.nonInteractive ? new TerminalUi() : new ScriptUi(options.yes);
}
