import { describe, expect, it } from "vitest";
import { testAgentId, useWorker } from "../../support/worker-harness";
import { latestMigration } from "../../support/schema-files";

const harness = useWorker();

describe("GET /api/health", () => {
  it("reports status, agent, runtime version and the latest applied migration, without a key", async () => {
    const response = await harness.request("GET", "/api/health", undefined, { auth: false });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: "ok",
      agent_id: testAgentId,
      version: "0.1.0",
      agent_key_configured: true,
      schema_version: latestMigration,
    });
  });

  it("answers unknown paths with a JSON 404", async () => {
    const response = await harness.request("GET", "/api/nothing-here");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: "not_found", message: "No route for GET /api/nothing-here" } });
  });
});
