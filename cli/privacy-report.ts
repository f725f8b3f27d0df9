import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { projectRoot } from "../stack/paths";
import { privacyReport, reportSettingsFrom } from "./privacy-report-text";

/**
 * `npm run privacy-report [-- --stack <name>]`: what the deployment of that stack may send out of the
 * Cloudflare account, read from its Pulumi.<stack>.yaml (defaults for keys it does not set).
 */
function main(): void {
  const index = process.argv.indexOf("--stack");
  const stack = index >= 0 ? process.argv[index + 1] : undefined;
  let config: Record<string, unknown> = {};
  if (stack) {
    const file = path.join(projectRoot, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) throw new Error(`${file} does not exist: run \`pulumi stack init ${stack}\` first`);
    config = ((parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {});
  }
  console.log(`# What leaves this account${stack ? ` (stack ${stack})` : " (defaults)"}\n`);
  console.log(privacyReport(reportSettingsFrom(config)));
}

try {
  main();
} catch (error) {
  console.error(`privacy-report: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
