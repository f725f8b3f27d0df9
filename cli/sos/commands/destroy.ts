import { parseArgs } from "node:util";
import { describePlan } from "../change-plan";
import { previewStack, runStack } from "../operations";
import { readOutputs, type SosOutputs } from "../outputs";
import { stackFlags, stackFlagsHelp } from "../stack-options";
import { createUi } from "../ui";
import { openExisting, rotateToken } from "./upgrade";

export const destroyHelp = `sos destroy: remove the deployment from your Cloudflare account

With retainData (the default) the D1 database, which holds the memories, is kept in your account;
the command says which one and how to back it up, bring it back or delete it.

Usage: sos destroy [options]
${stackFlagsHelp}`;

export async function destroy(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({ args: argv, options: stackFlags });
  if (flags.help) return void console.log(destroyHelp);
  const ui = createUi({ yes: Boolean(flags.yes), nonInteractive: Boolean(flags["non-interactive"]) });
  ui.title(`SOS destroy of stack '${flags.stack ?? "main"}'`);
  const open = await openExisting(flags);
  await rotateToken(open);
  const config = await open.stack.getAllConfig();
  const retain = config["sos:retainData"]?.value !== "false";
  const prefix = config["sos:prefix"]?.value || `sos-${open.target.stack}`;
  const outputs = await readOutputs(open).catch(() => undefined);

  const preview = await previewStack(open, ui, { diff: false, destroy: true });
  ui.note(describePlan(preview.plan!, false), "What will be removed");
  ui.warn(
    retain
      ? `The memories stay: D1 database ${prefix}-memory${outputs ? ` (${outputs.d1DatabaseId})` : ""} is kept in your account (retainData).`
      : `retainData is false: D1 database ${prefix}-memory and every memory in it will be deleted. Run \`sos backup\` first to keep a copy.`,
  );
  if (!(await ui.confirm({ message: "Destroy this deployment?", initial: false }))) {
    ui.done("Nothing was removed.");
    return;
  }
  await runStack(open, ui, "destroy");
  if (retain) ui.note(keptDatabase(open.target.stack, prefix, outputs), "What was kept");
  ui.done("Destroyed.");
}

function keptDatabase(stack: string, prefix: string, outputs: SosOutputs | undefined): string {
  const name = `${prefix}-memory`;
  const id = outputs?.d1DatabaseId ?? "<its id, shown in the dashboard>";
  return [
    `D1 database ${name} (id ${id}) is still in your account, with every memory.`,
    `To deploy again on it: \`sos init --stack ${stack} --adopt-database-id ${id}\` (the memories and the`,
    "migrations it recorded stay as they are). A backup from `sos backup` can also go into any deployment",
    "with `sos restore`.",
    `To delete it for good: \`npx wrangler d1 delete ${name}\`, or Workers & Pages > D1 in the dashboard.`,
    "Its D1 Time Travel history (7 days on the free plan, 30 on paid) goes with it.",
  ].join("\n");
}
