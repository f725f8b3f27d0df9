import { createDb } from "../db/database";
import { json, readJsonBody } from "../http/json";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { eraseEverything } from "../privacy/erase";
import { buildExport } from "../privacy/export-document";
import { eraseSchema } from "../schemas/privacy";

export function privacyRoutes(router: AppRouter): void {
  router.get("/api/export", async (_request, env) => {
    const document = await buildExport(env, createDb(env.DB));
    return json(document, 200, { "content-disposition": 'attachment; filename="sos-export.json"' });
  });

  router.delete("/api/data", async (request, env) => {
    parseInput(eraseSchema, await readJsonBody(request, 1024));
    return json({ erased: await eraseEverything(env, createDb(env.DB)) });
  });
}
