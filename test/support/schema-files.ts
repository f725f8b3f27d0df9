import { readdirSync } from "node:fs";
import { schemaDir } from "../../stack/paths";

/** The newest migration in schema/: what /api/health and the export report as `schema_version`. */
export const latestMigration = readdirSync(schemaDir)
  .filter((name) => /^\d{4}_.+\.sql$/.test(name))
  .sort()
  .at(-1)!;
