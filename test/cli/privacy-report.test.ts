import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { payloadFields, privacyReport, reportSettingsFrom } from "../../cli/privacy-report-text";
import { projectRoot } from "../../stack/paths";
import { heartbeatPayload, registrationPayload, telemetryPayload } from "../../worker/outbound/payloads";

describe("privacy report", () => {
  it("is what the README's privacy section says, for the default configuration", () => {
    const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
    const section = /<!-- privacy-report:start -->\n([\s\S]*?)\n<!-- privacy-report:end -->/.exec(readme)?.[1];
    expect(section, "README has the generated privacy section").toBeDefined();
    expect(section).toBe(privacyReport(reportSettingsFrom({})));
  });

  it("with everything off names no destination but Cloudflare and the configured providers", () => {
    const report = privacyReport(
      reportSettingsFrom({
        "sos:llmProvider": "anthropic",
        "sos:llmFallback": ["groq"],
        "sos:embeddingProvider": "openai",
      }),
    );
    expect(report).toContain("- anthropic (api.anthropic.com), with your anthropic key only.");
    expect(report).toContain("- groq (api.groq.com), with your groq key only.");
    expect(report).toContain(
      "for its embedding and its enrichment (truths, concepts, vibe, importance): openai (api.openai.com)",
    );
    expect(report).toContain("never contacted (`sos:yellowPages` is false)");
    expect(report).toContain("never sent (`sos:telemetry` is false)");
    expect(report).not.toMatch(/mumega\.com/);
  });

  it("with the hashing embedding sends memory text nowhere", () => {
    const report = privacyReport(reportSettingsFrom({ "sos:embeddingProvider": "hash" }));
    expect(report).toContain(
      "for its embedding and its enrichment (truths, concepts, vibe, importance): nowhere (the built-in hashing embedding; no enrichment).",
    );
  });

  it("with the opt-ins on lists every field of each payload, read from the schemas", () => {
    const report = privacyReport(
      reportSettingsFrom({
        "sos:yellowPages": "true",
        "sos:yellowPagesRegistryUrl": "https://registry.example/yp",
        "sos:telemetry": true,
        "sos:telemetryUrl": "https://telemetry.example/t",
      }),
    );
    expect(report).toContain("POST https://registry.example/yp/register");
    expect(report).toContain("POST https://registry.example/yp/heartbeat");
    expect(report).toContain("https://telemetry.example/t");
    for (const field of [
      "`agent_id` (string)",
      "`public_profile.name` (string)",
      "`public_profile.skills` (list of string)",
      "`public_profile.uv_public.coherence` (number or null)",
      "`callback_url` (string)",
      "`uv_public.coherence` (number or null)",
      "`runtime_version` (string)",
      "`coherence` (number)",
    ]) {
      expect(report).toContain(field);
    }
    expect(payloadFields(telemetryPayload)).toEqual(["`runtime_version` (string)", "`coherence` (number)"]);
  });
});

describe("outbound payload schemas", () => {
  it("refuse a key beyond the allowed ones before anything is sent", () => {
    expect(heartbeatPayload.safeParse({ agent_id: "a", uv_public: { coherence: 0.5 } }).success).toBe(true);
    expect(heartbeatPayload.safeParse({ agent_id: "a", uv_public: { coherence: 0.5, mu: 0.9 } }).success).toBe(false);
    expect(telemetryPayload.safeParse({ runtime_version: "0.1.0", coherence: 0.6, agent_id: "a" }).success).toBe(false);
    expect(
      registrationPayload.safeParse({
        agent_id: "a",
        public_profile: { name: "n", skills: [], uv_public: { coherence: null }, email: "x@y.z" },
        callback_url: "https://a.example/api/contact",
      }).success,
    ).toBe(false);
  });

  it("keep telemetry's coherence coarse", () => {
    expect(telemetryPayload.safeParse({ runtime_version: "0.1.0", coherence: 0.63 }).success).toBe(false);
    expect(telemetryPayload.safeParse({ runtime_version: "0.1.0", coherence: 0.6 }).success).toBe(true);
  });
});
