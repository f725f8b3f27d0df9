import { readdirSync } from "node:fs";
import * as path from "node:path";
import type { BenchmarkAbout } from "./benchmark-about";
import { writeSection } from "./docs-section";

/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or the ones named on the command line) in turn.
 * Each file's default export runs its measurements and prints its own report; with `--docs` the
 * report also replaces the benchmark's section of docs/benchmarks.md. Figures are ratios against a
 * baseline measured in the same run, never absolute targets; nothing here is a test.
 */
interface BenchmarkModule {
  default: () => Promise<void>;
  about: BenchmarkAbout;
}

const benchmarks = (): string[] =>
  readdirSync(__dirname)
    .filter((name) => name.endsWith(".bench.ts"))
    .sort();

async function help(): Promise<void> {
  const lines = [
    "Usage: npm run bench [-- <name> ...] [--docs]",
    "  a name runs each benchmark whose file name contains it; --docs writes each report into docs/benchmarks.md",
    "",
  ];
  for (const file of benchmarks()) {
    const { about } = (await import(path.join(__dirname, file))) as BenchmarkModule;
    lines.push(`  ${file.replace(/\.bench\.ts$/, "").padEnd(16)} ${about.summary}`);
    for (const [name, meaning] of Object.entries(about.knobs)) lines.push(`  ${"".padEnd(16)}   ${name}: ${meaning}`);
  }
  lines.push(
    "",
    "Figures are ratios against a baseline measured in the same run; the machine's load moves them: repeat a run.",
  );
  console.log(lines.join("\n"));
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  if (wanted.includes("--help") || wanted.includes("-h")) return help();
  const docs = wanted.includes("--docs");
  const unknown = wanted.filter((word) => word.startsWith("-") && word !== "--docs");
  if (unknown.length > 0) {
    console.error(`bench: unknown option ${unknown.join(", ")}; npm run bench -- --help lists the benchmarks`);
    process.exit(2);
  }
  const names = wanted.filter((word) => !word.startsWith("-"));
  const files = benchmarks().filter((name) => names.length === 0 || names.some((word) => name.includes(word)));
  if (files.length === 0) {
    console.error(`bench: no benchmark matches ${names.join(", ")}; npm run bench -- --help lists them`);
    process.exit(2);
  }
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    const module = (await import(path.join(__dirname, file))) as BenchmarkModule;
    const output = await printed(() => module.default());
    if (docs) writeSection(file.replace(/\.bench\.ts$/, ""), output);
  }
}

/** Runs `work`, printing what it prints, and returns that text. */
async function printed(work: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const print = console.log;
  console.log = (...values: unknown[]) => {
    lines.push(values.map(String).join(" "));
    print(...values);
  };
  try {
    await work();
  } finally {
    console.log = print;
  }
  return lines.join("\n");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
