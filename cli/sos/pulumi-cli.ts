import { PulumiCommand } from "@pulumi/pulumi/automation";
import { SosError } from "./errors";
import type { Ui } from "./ui";

const installAdvice =
  "Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/): " +
  "`curl -fsSL https://get.pulumi.com | sh`, or `brew install pulumi/tap/pulumi`; then open a new shell so `pulumi` is on PATH.";

/**
 * The `pulumi` executable the Automation API drives. When it is missing, the user is told how to
 * install it, or on a terminal may let the Automation API's own installer fetch it (from
 * get.pulumi.com into ~/.pulumi/versions/<version>).
 */
export async function findPulumi(ui?: Ui): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  if (ui?.interactive) {
    const install = await ui.confirm({
      message: "The Pulumi CLI is not installed. Install it now with Pulumi's installer (downloads from get.pulumi.com)?",
      initial: false,
    });
    if (install) {
      const progress = ui.progress("Installing the Pulumi CLI");
      try {
        const command = await PulumiCommand.install();
        progress.stop(`Pulumi CLI ${command.version?.toString() ?? ""} installed in ${command.command}`);
        return command;
      } catch (error) {
        progress.fail("The Pulumi CLI could not be installed");
        throw new SosError(`Installing the Pulumi CLI failed: ${String(error)}`, installAdvice);
      }
    }
  }
  throw new SosError("The Pulumi CLI (`pulumi`) was not found on PATH.", installAdvice);
}

function isMissing(error: unknown): boolean {
  const text = String((error as { message?: string })?.message ?? error);
  return /ENOENT|not found|command not found/i.test(text);
}
