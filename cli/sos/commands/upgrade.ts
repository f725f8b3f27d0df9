import { parseArgs } from "node:util";
import { describePlan, hasChanges } from "../change-plan";
import { previewStack, runStack } from "../operations";
import { findPulumi } from "../pulumi-cli";
import { resolveTarget, stackFlags, stackFlagsHelp } from "../stack-options";
import { createUi } from "../ui";
import { openStack, type OpenStack } from "../workspace";

export const upgradeHelp = `sos upgrade: preview what a newer version changes (with the diff), then apply it

Usage: sos upgrade [options]
${stackFlagsHelp}
  --preview-only            show the preview and stop

CLOUDFLARE_API_TOKEN, when set, replaces the token stored in the stack (token rotation).`;

export async function upgrade(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({ args: argv, options: { ...stackFlags, "preview-only": { type: "boolean" } } });
  if (flags.help) return void console.log(upgradeHelp);
  const ui = createUi({ yes: Boolean(flags.yes), nonInteractive: Boolean(flags["non-interactive"]) });
  ui.title(`SOS upgrade of stack '${flags.stack ?? "main"}'`);
  const open = await openExisting(flags);
  await rotateToken(open);
  const preview = await previewStack(open, ui, { diff: true });
  ui.note(describePlan(preview.plan!, true), "What the upgrade changes");
  if (flags["preview-only"] || !hasChanges(preview.plan!)) {
    ui.done(hasChanges(preview.plan!) ? "Preview only: nothing was changed." : "Already up to date.");
    return;
  }
  if (!(await ui.confirm({ message: "Apply these changes?", initial: true }))) {
    ui.done("Nothing was changed.");
    return;
  }
  await runStack(open, ui, "up");
  ui.done("Upgraded.");
}

/** Opens a stack `sos init` set up (or one reachable through the flags). */
export async function openExisting(flags: Parameters<typeof resolveTarget>[0]): Promise<OpenStack> {
  const target = resolveTarget(flags, false);
  return openStack(target, await findPulumi(), false);
}

/** A token in the environment is the current one: the stack's stored copy follows it. */
export async function rotateToken(open: OpenStack): Promise<void> {
  const token = open.target.cloudflareToken;
  if (!token) return;
  const stored = (await open.stack.getAllConfig())["cloudflare:apiToken"]?.value;
  if (stored !== token) await open.setSecret("cloudflare:apiToken", token);
}
