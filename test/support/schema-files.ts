import { readMigrationFiles } from "../../stack/migration-plan";
import { schemaDir } from "../../stack/paths";

/** The newest migration in schema/: what /api/health and the export report as `schema_version`. */
export const latestMigration = readMigrationFiles(schemaDir).at(-1)!.name;
