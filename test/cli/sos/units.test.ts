import { describe, expect, it } from "vitest";
import { importBatches, type ExportDocument } from "../../../cli/sos/backup-file";
import { ChangePlanCollector, describePlan } from "../../../cli/sos/change-plan";
import { explainFailure } from "../../../cli/sos/cloudflare-failure";
import { markdownReport } from "../../../cli/sos/tenants/report";
import type { EngineEvent } from "@pulumi/pulumi/automation";

function document(engrams: number, textBytes = 10): ExportDocument {
  return {
    format: "sos-export/1",
    exported_at: "2026-12-04T00:00:00.000Z",
    agent_id: "a",
    counts: { engrams, agent_state: 1, sessions: 0, contacts: 0, conversations: 0 },
    engrams: Array.from({ length: engrams }, (_, index) => ({ id: `e${index}`, text: "x".repeat(textBytes) })),
    agent_state: [{ agent: "a" }],
    sessions: [],
    contacts: [],
    conversations: [],
  };
}

describe("restore batches", () => {
  it("keeps every record once, in order, within the per-kind count and the byte budget", () => {
    const batches = importBatches(document(600), 1_000_000);
    expect(batches.map((batch) => batch.engrams?.length ?? 0)).toEqual([256, 256, 88]);
    expect(batches[0]!.agent_state).toHaveLength(1);
    const ids = batches.flatMap((batch) => (batch.engrams ?? []).map((engram) => (engram as { id: string }).id));
    expect(ids).toEqual(Array.from({ length: 600 }, (_, index) => `e${index}`));
    const talk = { ...document(0), conversations: Array.from({ length: 4 }, (_, index) => ({ id: `c${index}`, messages: new Array(250).fill({}) })) };
    // 600 messages per request at most: two conversations of 250 each, then the next two.
    expect(importBatches(talk, 1_000_000).map((batch) => batch.conversations?.length ?? 0)).toEqual([2, 2]);
    const small = importBatches(document(10, 1000), 3500);
    expect(small.every((batch) => JSON.stringify(batch).length < 3500 + 200)).toBe(true);
    expect(small.flatMap((batch) => batch.engrams ?? [])).toHaveLength(10);
  });
});

describe("failures in words", () => {
  it("reads Cloudflare's codes out of a provider's error", () => {
    expect(explainFailure(['POST ".../workers/scripts/x": 400 {"errors":[{"code":10021,"message":"binding"}]}']).summary).toContain("code 10021");
    expect(explainFailure(["403 create D1 database 'x': Authentication error [code 10000]"]).advice).toContain("sos doctor");
    expect(explainFailure(["429 Too Many Requests"]).summary).toContain("rate-limited");
    expect(explainFailure(["something else"]).advice).toContain("Run the same command again");
  });
});

describe("the change plan", () => {
  const event = (metadata: object): EngineEvent => ({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: metadata as never } });
  it("lists changed resources with their changed inputs, pending migrations and app files", () => {
    const collector = new ChangePlanCollector();
    collector.collect(event({ op: "same", urn: "urn:pulumi:s::sos::pulumi:pulumi:Stack::sos-s", type: "pulumi:pulumi:Stack", provider: "" }));
    collector.collect(
      event({
        op: "update",
        urn: "urn:pulumi:s::sos::sos:index:SosStack$cloudflare:index/workersScript:WorkersScript::sos-s-worker",
        type: "cloudflare:index/workersScript:WorkersScript",
        detailedDiff: { contentSha256: { diffKind: "update", inputDiff: true } },
        provider: "",
      }),
    );
    collector.collect(
      event({
        op: "update",
        urn: "urn:pulumi:s::sos::sos:index:SosStack$pulumi-nodejs:dynamic:Resource::sos-s-migrations",
        type: "pulumi-nodejs:dynamic:Resource",
        old: { outputs: { applied: { "0001_init.sql": "a" } } },
        new: { inputs: { files: { "0001_init.sql": {}, "0002_more.sql": {} } } },
        provider: "",
      }),
    );
    collector.collect(
      event({
        op: "update",
        urn: "urn:pulumi:s::sos::sos:index:SosStack$pulumi-nodejs:dynamic:Resource::sos-s-frontend",
        type: "pulumi-nodejs:dynamic:Resource",
        old: { inputs: { files: { "/a.js": { hash: "1" }, "/b.css": { hash: "2" } } } },
        new: { inputs: { files: { "/a.js": { hash: "9" }, "/c.html": { hash: "3" } } } },
        provider: "",
      }),
    );
    collector.collect(event({ op: "delete", urn: "urn:pulumi:s::sos::sos:index:SosStack$cloudflare:index/d1Database:D1Database::sos-s-memory", type: "cloudflare:index/d1Database:D1Database", old: { retainOnDelete: true }, provider: "" }));
    const text = describePlan(collector.plan(), true);
    expect(text).toContain("update Worker (the runtime) (sos-s-worker)\n    ~ contentSha256");
    expect(text).toContain("Migrations to apply: 0002_more.sql");
    expect(text).toContain("Chat app files: 2 in the build; 1 to upload new, 1 changed, 1 removed");
    expect(text).toContain("keep in your account, remove from the stack: D1 database (memories) (sos-s-memory)");
    expect(text).not.toContain("pulumi:pulumi:Stack");
  });
});

describe("the tenants report", () => {
  it("keeps a table row on one line whatever the error says", () => {
    const markdown = markdownReport("up", [
      { stack: "a", operation: "up", result: "failed", changes: {}, migrations: [], durationMs: 1200, error: { message: "line one | pipe\nline two" }, log: "" },
    ]);
    expect(markdown).toContain("| a | ❌ failed | none | none | 1.2 s | line one \\| pipe line two |");
    expect(markdown.split("\n")).toHaveLength(6);
  });
});
