/** Reads of standard input, remembered so the invocation log can say whether a command took any. */
import { readFileSync } from "node:fs";

let consumed = false;

export function readStdin(): string {
  consumed = true;
  return readFileSync(0, "utf8");
}

export const stdinWasRead = (): boolean => consumed;
