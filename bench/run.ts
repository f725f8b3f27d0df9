import { readdirSync } from "node:fs";
import * as path from "node:path";

/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or the ones named on the command line) in turn.
 * Each file's default export runs its measurements and prints its own report. Figures are ratios
 * against a baseline measured in the same run, never absolute targets; nothing here is a test.
 */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((name) => name.endsWith(".bench.ts"))
    .filter((name) => wanted.length === 0 || wanted.some((word) => name.includes(word)))
    .sort();
  if (files.length === 0) throw new Error(`no benchmark matches ${wanted.join(", ")}`);
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    const module = (await import(path.join(__dirname, file))) as { default: () => Promise<void> };
    await module.default();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
