import { parseArgs } from "node:util";
import { agentUrl, readOutputs } from "../outputs";
import { stackFlags, stackFlagsHelp } from "../stack-options";
import { createUi } from "../ui";
import { workerRequest } from "../worker-client";
import { openExisting } from "./upgrade";

export const statusHelp = `sos status: the deployment's outputs and the health of its worker

Usage: sos status [options]
${stackFlagsHelp}
  --show-key                also print the chat app's URL with the agent key
  --json                    print the status as JSON (never the key)`;

interface Health {
  status: string;
  version: string;
  schema_version: string | null;
}

export async function status(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({
    args: argv,
    options: { ...stackFlags, "show-key": { type: "boolean" }, json: { type: "boolean" } },
  });
  if (flags.help) return void console.log(statusHelp);
  const ui = createUi({ yes: true, nonInteractive: Boolean(flags["non-interactive"] || flags.json) });
  const open = await openExisting(flags);
  const outputs = await readOutputs(open);
  let health: Health | { status: "unreachable"; error: string };
  try {
    health = await workerRequest<Health>(outputs.workerUrl, undefined, "GET", "/api/health");
  } catch (error) {
    health = { status: "unreachable", error: (error as Error).message };
  }
  const { agentKey: _key, ...visible } = outputs;
  if (flags.json) {
    console.log(JSON.stringify({ stack: open.target.stack, outputs: visible, health }, null, 2));
  } else {
    ui.title(`SOS stack '${open.target.stack}'`);
    ui.note(Object.entries(visible).map(([name, value]) => `${name}: ${value}`).join("\n"), "Outputs");
    if (health.status === "ok" && "version" in health) {
      ui.success(`Worker healthy: runtime ${health.version}, schema ${health.schema_version ?? "none"}`);
    } else {
      ui.warn(`Worker ${health.status}${"error" in health ? `: ${health.error}` : ""}`);
    }
    if (flags["show-key"]) ui.note(agentUrl(outputs), "Your chat app (with the agent key)");
    ui.done(health.status === "ok" ? "Healthy." : "Not healthy.");
  }
  if (health.status !== "ok") process.exitCode = 1;
}
