import { agentId } from "../agent";
import { createDb } from "../db/database";
import { latestMigrationName } from "../db/migration-queries";
import { json } from "../http/json";
import { logContext } from "../http/request-log";
import type { AppRouter } from "../http/types";
import { logFailure } from "../log";
import { runtimeVersion } from "../version";
import { healthRoute } from "./public-routes";

export function healthRoutes(router: AppRouter): void {
  router.get(healthRoute.path, async (request, env) => {
    const base = {
      agent_id: agentId(env),
      version: runtimeVersion,
      agent_key_configured: Boolean(env.AGENT_KEY?.trim()),
    };
    try {
      const schemaVersion = await latestMigrationName(createDb(env.DB));
      return json({ status: "ok", ...base, schema_version: schemaVersion ?? null });
    } catch (error) {
      // The database is unreachable or unmigrated: say so instead of failing the health check itself.
      logFailure("health_database_unavailable", error, logContext(request), 503);
      return json({ status: "unavailable", ...base, schema_version: null }, 503);
    }
  });
}
