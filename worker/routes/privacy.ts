import { createDb } from "../db/database";
import { json, readJsonBody } from "../http/json";
import { logContext } from "../http/request-log";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { maintainQuietly } from "../memory/maintenance";
import { memoryFor } from "../memory/memory-context";
import { eraseEverything } from "../privacy/erase";
import { buildExport } from "../privacy/export-document";
import { importDocument } from "../privacy/import-document";
import { importDocumentSchema, importLimits } from "../schemas/import";
import { eraseSchema } from "../schemas/privacy";

export function privacyRoutes(router: AppRouter): void {
  router.get("/api/export", async (_request, env) => {
    const document = await buildExport(env, createDb(env.DB));
    return json(document, 200, { "content-disposition": 'attachment; filename="sos-export.json"' });
  });

  /**
   * A backup taken back, in parts: the whole body is validated before anything is written; rows are
   * upserted by key, so sending a part again changes nothing. Engrams left without a vector (the
   * embedding vendor failed) are embedded by the upkeep that follows.
   */
  router.post("/api/import", async (request, env, ctx) => {
    const document = parseInput(importDocumentSchema, await readJsonBody(request, importLimits.bodyBytes));
    const memory = memoryFor(env);
    const result = await importDocument(env, memory, document);
    ctx.waitUntil(maintainQuietly(memory));
    return json(result);
  });

  router.delete("/api/data", async (request, env) => {
    parseInput(eraseSchema, await readJsonBody(request, 1024));
    return json(await eraseEverything(env, createDb(env.DB), logContext(request)));
  });
}
