import { parseArgs } from "node:util";
import * as path from "node:path";
import { exportFormat, importBatches, readBackup, recordKinds, type ExportDocument, type RecordKind } from "../backup-file";
import { UsageError } from "../errors";
import { readOutputs } from "../outputs";
import { stackFlags, stackFlagsHelp } from "../stack-options";
import { createUi } from "../ui";
import { workerRequest } from "../worker-client";
import { openExisting } from "./upgrade";

export const restoreHelp = `sos restore: put a backup (from \`sos backup\`) into a deployment

Records are imported through the worker's POST /api/import, in batches: a record that is already
there is overwritten with the backup's copy, so running it twice changes nothing. The deployment may
be another one, in another account: the same file moves memories between deployments.

Usage: sos restore --file <backup.json> [options]
${stackFlagsHelp}`;

interface ImportAnswer {
  imported: Record<RecordKind, number>;
}

export async function restore(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({ args: argv, options: { ...stackFlags, file: { type: "string" } } });
  if (flags.help) return void console.log(restoreHelp);
  if (!flags.file) throw new UsageError("--file: the backup to restore is required");
  const ui = createUi({ yes: Boolean(flags.yes), nonInteractive: Boolean(flags["non-interactive"]) });
  const file = path.resolve(flags.file);
  const backup = readBackup(file);
  ui.title(`SOS restore of ${path.basename(file)} into stack '${flags.stack ?? "main"}'`);
  const open = await openExisting(flags);
  const outputs = await readOutputs(open);
  ui.info(`Backup of agent ${backup.agent_id}, taken ${backup.exported_at}: ${describe(backup.counts)}`);
  if (backup.agent_id !== outputs.agentId) {
    // Memories keep the agent they were stored under; the app and /api/memories list AGENT_ID's.
    ui.warn(
      `The backup's agent is '${backup.agent_id}' and this deployment's is '${outputs.agentId}': its memories keep ` +
        `their agent, so the chat app will not list them. To make them this agent's, run \`sos init --stack ${open.target.stack} --agent-id ${backup.agent_id}\` first.`,
    );
  }
  if (!(await ui.confirm({ message: `Import it into ${outputs.workerUrl}?`, initial: true }))) {
    ui.done("Nothing was imported.");
    return;
  }
  const totals = Object.fromEntries(recordKinds.map((kind) => [kind, 0])) as Record<RecordKind, number>;
  const batches = importBatches(backup);
  const progress = ui.progress(`Importing ${batches.length} batch${batches.length === 1 ? "" : "es"}`);
  for (const [index, batch] of batches.entries()) {
    const answer = await workerRequest<ImportAnswer>(outputs.workerUrl, outputs.agentKey, "POST", "/api/import", {
      format: exportFormat,
      ...batch,
    }).catch((error: unknown) => {
      progress.fail(`Batch ${index + 1} of ${batches.length} failed; the ones before it are in (a rerun is safe)`);
      throw error;
    });
    for (const kind of recordKinds) totals[kind] += answer.imported[kind] ?? 0;
    progress.message(`Imported batch ${index + 1} of ${batches.length}`);
  }
  progress.stop(`Imported ${describe(totals)}`);
  const after = await workerRequest<Pick<ExportDocument, "counts">>(outputs.workerUrl, outputs.agentKey, "GET", "/api/export");
  ui.info(`The deployment now holds ${describe(after.counts)}.`);
  ui.done("Restored.");
}

function describe(counts: Partial<Record<RecordKind, number>>): string {
  return recordKinds.map((kind) => `${counts[kind] ?? 0} ${kind.replace("_", " ")}`).join(", ");
}
