import { parseArgs } from "node:util";
import * as path from "node:path";
import { cloudflareRequest } from "../../../stack/cloudflare-api";
import { writePrivateFile } from "../home";
import { readOutputs } from "../outputs";
import { stackFlags, stackFlagsHelp } from "../stack-options";
import { createUi } from "../ui";
import { workerRequest } from "../worker-client";
import { openExisting } from "./upgrade";
import type { ExportDocument } from "../backup-file";

export const backupHelp = `sos backup: everything the deployment holds (GET /api/export) into a file, plus a D1 Time Travel bookmark

Usage: sos backup [options]
${stackFlagsHelp}
  --file <path>             where to write it; default: sos-backup-<stack>-<time>.json (mode 600)

The file holds your memories, state, sessions and inbox in plain JSON: keep it private.
\`sos restore --file <path>\` puts it back into this or another deployment (any account).`;

export async function backup(argv: string[]): Promise<void> {
  const { values: flags } = parseArgs({ args: argv, options: { ...stackFlags, file: { type: "string" } } });
  if (flags.help) return void console.log(backupHelp);
  const ui = createUi({ yes: true, nonInteractive: Boolean(flags["non-interactive"]) });
  ui.title(`SOS backup of stack '${flags.stack ?? "main"}'`);
  const open = await openExisting(flags);
  const outputs = await readOutputs(open);
  const config = await open.stack.getAllConfig();
  const accountId = config["sos:accountId"]?.value;
  const token = open.target.cloudflareToken ?? config["cloudflare:apiToken"]?.value;

  const progress = ui.progress("Reading everything through GET /api/export");
  const document = await workerRequest<ExportDocument>(outputs.workerUrl, outputs.agentKey, "GET", "/api/export");
  progress.stop(`Exported ${Object.entries(document.counts).map(([kind, count]) => `${count} ${kind}`).join(", ")}`);

  let bookmark: string | undefined;
  if (accountId && token) {
    // D1 Time Travel: the database as it is now, restorable for 7 (free) or 30 (paid) days.
    const result = await cloudflareRequest<{ bookmark: string }>({
      token,
      method: "GET",
      path: `/accounts/${accountId}/d1/database/${outputs.d1DatabaseId}/time_travel/bookmark`,
      action: "get Time Travel bookmark of",
      resource: `D1 database ${outputs.d1DatabaseId}`,
    });
    bookmark = result.bookmark;
  }
  const file = path.resolve(flags.file ?? `sos-backup-${open.target.stack}-${document.exported_at.replace(/[:.]/g, "-")}.json`);
  const withBookmark = bookmark ? { ...document, time_travel: { database_id: outputs.d1DatabaseId, bookmark } } : document;
  writePrivateFile(file, `${JSON.stringify(withBookmark, null, 2)}\n`);
  ui.success(`Backup written to ${file} (readable by you only)`);
  if (bookmark) {
    ui.info(`D1 Time Travel bookmark ${bookmark}: \`npx wrangler d1 time-travel restore <database> --bookmark=${bookmark}\` puts the database back as it is now.`);
  }
  ui.done("Backed up.");
}
