import { spawn, type ChildProcess } from "node:child_process";

/**
 * A command run in a real pseudo-terminal (util-linux `script`), driven like a person at the keys:
 * wait for what it prints, then type. Prompts see a TTY, raw mode and masked input for real.
 */
export class Terminal {
  private raw = "";
  private mark = 0;
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;

  constructor(command: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; columns?: number }) {
    const quoted = command.map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(" ");
    // A fixed size: the prompts wrap their lines to it.
    const script = `stty cols ${options.columns ?? 120} rows 50; exec ${quoted}`;
    this.child = spawn("script", ["-q", "-f", "-e", "-c", script, "/dev/null"], {
      env: { ...options.env, TERM: "xterm-256color" },
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const take = (chunk: Buffer) => (this.raw += chunk.toString("utf8"));
    this.child.stdout!.on("data", take);
    this.child.stderr!.on("data", take);
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code ?? -1)));
  }

  /** Everything printed so far, without colours and cursor movements. */
  get output(): string {
    return plain(this.raw);
  }

  /** Waits until the output after the last match shows `text`; moves the mark past it. */
  async expect(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = plain(this.raw).slice(this.mark);
      const index = typeof text === "string" ? rest.indexOf(text) : (rest.match(text)?.index ?? -1);
      if (index >= 0) {
        this.mark += index + 1;
        return;
      }
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`the terminal never showed ${String(text)}; it shows:\n${plain(this.raw).slice(-3000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Types keys: text as is, `keys.enter`, arrows, ... */
  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Answers the prompt showing `prompt` with `keys`. */
  async answer(prompt: string | RegExp, keys: string): Promise<void> {
    await this.expect(prompt);
    // The prompt is drawn before it listens for keys: give it a moment to take raw mode.
    await new Promise((resolve) => setTimeout(resolve, 150));
    this.type(keys);
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

export const keys = {
  enter: "\r",
  down: "\x1b[B",
  up: "\x1b[A",
  left: "\x1b[D",
  right: "\x1b[C",
  backspace: "\x7f",
  ctrlC: "\x03",
};

/** Strips ANSI escapes (colours, cursor moves, erase) and carriage returns. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007|\u001b[()][A-Z0-9]|\r/g, "");
}
