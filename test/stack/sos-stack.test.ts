import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { sha256Hex, type WorkerBundle } from "../../stack/bundle";
import { projectRoot } from "../../stack/paths";
import { isRpcSecret, unwrapSecrets, valueOf, withoutSecrets, type RegisteredResource } from "../support/pulumi-mocks";
import { sharedWorkerBundle } from "./shared-worker-bundle";
import { resourceType as type, useSosStack } from "./use-sos-stack";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "cf-token-that-must-stay-secret";
const openaiKey = "sk-openai-key-that-must-stay-secret";
const anthropicKey = "sk-ant-key-that-must-stay-secret";
const agentKey = "agent-key-that-must-stay-secret-0123456789";

const program = useSosStack("dev");
const baseConfig = { "sos:accountId": accountId, "cloudflare:apiToken": token, "sos:workersDevSubdomain": "acme" };

/** Runs one SosStack, named after its prefix, and returns what it registered. */
async function deploy(values: Record<string, string> = baseConfig, stack = "dev", worker?: WorkerBundle) {
  return program.evaluate(values, { stack, worker, name: (config) => config.prefix });
}

function named(resources: RegisteredResource[], name: string): RegisteredResource {
  const matches = resources.filter((resource) => resource.name === name);
  expect(matches, name).toHaveLength(1);
  return matches[0]!;
}

function only(resources: RegisteredResource[], resourceType: string): RegisteredResource {
  const matches = resources.filter((resource) => resource.type === resourceType);
  expect(matches, resourceType).toHaveLength(1);
  return matches[0]!;
}

type Binding = { name: string; type: string; text?: unknown; id?: string; namespaceId?: string };

function bindingsOf(resources: RegisteredResource[]): Binding[] {
  return unwrapSecrets(only(resources, type.script).inputs.bindings) as Binding[];
}

describe("SosStack resources", () => {
  it("declares each resource with its type, name and key inputs, as children of the component", async () => {
    const { resources } = await deploy();
    const component = only(resources, type.stack);
    expect(component.name).toBe("sos-dev");

    const database = only(resources, type.database);
    expect(database.inputs).toMatchObject({ accountId, name: "sos-dev-memory" });
    expect(only(resources, type.kv).inputs).toMatchObject({ accountId, title: "sos-dev-session" });
    expect(only(resources, type.pages).inputs).toMatchObject({
      accountId,
      name: "sos-dev-chat",
      productionBranch: "main",
    });
    expect(only(resources, type.pages).inputs.source).toBeUndefined();

    const script = only(resources, type.script);
    expect(script.inputs).toMatchObject({
      accountId,
      scriptName: "sos-dev-worker",
      mainModule: "worker.js",
      contentFile: ".sos/build/worker.js",
      compatibilityDate: program.sosStack().compatibilityDate,
    });
    expect(script.inputs.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(script.inputs.content).toBeUndefined();
    // The compiled Hamming kernel goes up as a module of its own, named as worker.js imports it.
    const wasm = readFileSync(path.join(projectRoot, "worker/memory/scan-kernels.wasm"));
    expect(script.inputs.files).toEqual({
      "scan-kernels.wasm": {
        contentBase64: wasm.toString("base64"),
        contentType: "application/wasm",
        contentSha256: createHash("sha256").update(wasm).digest("hex"),
      },
    });

    expect(only(resources, type.route).inputs).toMatchObject({
      accountId,
      scriptName: "sos-dev-worker",
      enabled: true,
    });
    expect(only(resources, type.password).inputs).toMatchObject({ length: 48, special: false });

    for (const resource of resources.filter((r) => r.type !== type.stack)) {
      expect(resource.parent, resource.name).toContain("sos:index:SosStack::sos-dev");
    }
  });

  it("applies schema/ through the migration resource before the worker, with the token as a secret input", async () => {
    const { resources } = await deploy();
    const migrations = named(resources, "sos-dev-migrations");
    const database = only(resources, type.database);
    expect(migrations.name).toBe("sos-dev-migrations");
    expect(migrations.inputs).toMatchObject({
      accountId,
      databaseId: `${database.name}-id`,
      databaseName: "sos-dev-memory",
    });
    const files = migrations.inputs.files as Record<string, { checksum: string; request: string }>;
    expect(Object.keys(files)).toContain("0001_init.sql");
    expect(files["0001_init.sql"]!.request).toMatch(/INSERT INTO d1_migrations \(name\) VALUES \('0001_init\.sql'\);$/);
    expect(isRpcSecret(migrations.inputs.apiToken)).toBe(true);
    expect(migrations.additionalSecretOutputs).toEqual(["apiToken"]);
    expect(String(migrations.inputs.__provider)).not.toContain(token);
    const script = only(resources, type.script);
    expect(script.dependencies.some((urn) => urn.endsWith("::sos-dev-migrations"))).toBe(true);
    expect(resources.indexOf(script)).toBeGreaterThan(resources.indexOf(migrations));
  });

  it("deploys the chat app to the Pages project after the worker, its config.json naming the worker", async () => {
    const { resources } = await deploy();
    const frontend = named(resources, "sos-dev-frontend");
    expect(frontend.type).toBe(type.dynamic);
    expect(frontend.inputs).toMatchObject({ accountId, projectName: "sos-dev-chat", branch: "main" });
    const files = frontend.inputs.files as Record<string, { hash: string; size: number }>;
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["/index.html", "/config.json"]));
    expect(isRpcSecret(frontend.inputs.apiToken)).toBe(true);
    expect(String(frontend.inputs.__provider)).not.toContain(token);
    const buildDir = String(frontend.inputs.buildDir);
    expect(JSON.parse(readFileSync(path.join(buildDir, "config.json"), "utf8"))).toEqual({
      workerUrl: "https://sos-dev-worker.acme.workers.dev",
    });
    const pages = only(resources, type.pages);
    const route = only(resources, type.route);
    expect(frontend.dependencies.some((urn) => urn.endsWith(`::${pages.name}`))).toBe(true);
    expect(frontend.dependencies.some((urn) => urn.endsWith(`::${route.name}`))).toBe(true);
  });

  it("uses one explicit Cloudflare provider, holding the stack's token as a secret", async () => {
    const { resources } = await deploy();
    const provider = only(resources, type.provider);
    expect(isRpcSecret(provider.inputs.apiToken)).toBe(true);
    expect(unwrapSecrets(provider.inputs.apiToken)).toBe(token);
  });

  it("binds everything the worker's Env declares, sorted, and provider keys only when configured", async () => {
    const { resources } = await deploy();
    const bindings = bindingsOf(resources);
    const names = bindings.map((binding) => binding.name);
    expect(names).toEqual([...names].sort());
    expect(Object.fromEntries(bindings.map((binding) => [binding.name, binding.type]))).toEqual({
      AGENT_ID: "plain_text",
      AGENT_KEY: "secret_text",
      AGENT_NAME: "plain_text",
      AI: "ai",
      ALLOWED_ORIGINS: "plain_text",
      CONTACT_CALLER_LIMIT: "plain_text",
      CONTACT_HOURLY_CAP: "plain_text",
      CONTACT_RETENTION_DAYS: "plain_text",
      CONVERSATION_TITLES: "plain_text",
      DB: "d1",
      EMBEDDING_PROVIDER: "plain_text",
      LLM_PROVIDER: "plain_text",
      LLM_TIMEOUT_SECONDS: "plain_text",
      SESSION: "kv_namespace",
      SESSION_TTL_SECONDS: "plain_text",
      TELEMETRY: "plain_text",
      YELLOW_PAGES: "plain_text",
    });
    const byName = Object.fromEntries(bindings.map((binding) => [binding.name, binding]));
    expect(byName.AGENT_ID!.text).toBe("sos-dev");
    expect(byName.LLM_PROVIDER!.text).toBe("workers-ai");
    expect(byName.SESSION_TTL_SECONDS!.text).toBe("86400");
    expect(byName.ALLOWED_ORIGINS!.text).toBe("https://sos-dev-chat.pages.dev");
    expect(byName.TELEMETRY!.text).toBe("false");
    expect(byName.CONVERSATION_TITLES!.text).toBe("model");
    // Kept until the user deletes them unless a retention is set.
    expect(byName.CONVERSATION_RETENTION_DAYS).toBeUndefined();
  });

  it("binds provider keys and model settings when configured", async () => {
    const { resources } = await deploy(
      {
        ...baseConfig,
        "sos:llmProvider": "anthropic",
        "sos:llmModel": "claude-sonnet-4-5",
        "sos:llmFallback": '["openai","workers-ai"]',
        "sos:openaiApiKey": openaiKey,
        "sos:anthropicApiKey": anthropicKey,
        "sos:allowedOrigins": "https://chat.example.com",
        "sos:prefix": "tenant-a",
        "sos:conversationRetentionDays": "30",
        "sos:conversationTitles": "message",
      },
      "keys",
    );
    const byName = Object.fromEntries(bindingsOf(resources).map((binding) => [binding.name, binding]));
    expect(byName.ANTHROPIC_API_KEY).toMatchObject({ type: "secret_text", text: anthropicKey });
    expect(byName.OPENAI_API_KEY).toMatchObject({ type: "secret_text", text: openaiKey });
    expect(byName.GEMINI_API_KEY).toBeUndefined();
    expect(byName.GROQ_API_KEY).toBeUndefined();
    expect(byName.CONVERSATION_RETENTION_DAYS).toMatchObject({ type: "plain_text", text: "30" });
    expect(byName.CONVERSATION_TITLES).toMatchObject({ type: "plain_text", text: "message" });
    expect(byName.LLM_MODEL!.text).toBe("claude-sonnet-4-5");
    expect(byName.LLM_FALLBACK!.text).toBe("openai,workers-ai");
    expect(byName.ALLOWED_ORIGINS!.text).toBe("https://tenant-a-chat.pages.dev,https://chat.example.com");
  });

  it("makes the worker depend on the database and namespace it binds", async () => {
    const { resources } = await deploy();
    const script = only(resources, type.script);
    const database = only(resources, type.database);
    const kv = only(resources, type.kv);
    const byName = Object.fromEntries(bindingsOf(resources).map((binding) => [binding.name, binding]));
    expect(byName.DB!.id).toBe(`${database.name}-id`);
    expect(byName.SESSION!.namespaceId).toBe(`${kv.name}-id`);
    expect(script.dependencies.some((urn) => urn.endsWith(`::${database.name}`))).toBe(true);
    expect(script.dependencies.some((urn) => urn.endsWith(`::${kv.name}`))).toBe(true);
    expect(resources.indexOf(script)).toBeGreaterThan(resources.indexOf(database));
  });

  it("exports the worker and Pages URLs, ids, agent id, and the agent key as a secret", async () => {
    const { sos } = await deploy();
    expect(await valueOf(sos.workerUrl)).toBe("https://sos-dev-worker.acme.workers.dev");
    expect(await valueOf(sos.pagesUrl)).toBe("https://sos-dev-chat.pages.dev");
    expect(await valueOf(sos.databaseId)).toBe("sos-dev-memory-id");
    expect(await valueOf(sos.kvNamespaceId)).toBe("sos-dev-session-id");
    expect(await valueOf(sos.agentId)).toBe("sos-dev");
    expect(await pulumi.isSecret(sos.agentKey)).toBe(true);
    expect(await pulumi.isSecret(sos.workerUrl)).toBe(false);
  });
});

describe("SosStack secrets", () => {
  it("keeps every secret a secret: no plain value appears in any non-secret input", async () => {
    const { resources, sos } = await deploy(
      { ...baseConfig, "sos:agentKey": agentKey, "sos:openaiApiKey": openaiKey, "sos:llmProvider": "openai" },
      "secrets",
    );
    expect(await valueOf(sos.agentKey)).toBe(agentKey);
    expect(resources.some((resource) => resource.type === type.password)).toBe(false);
    // Deserializing lifts a nested secret to its container, so the bindings list reads as secret here;
    // on the wire only each secret binding's text is (sos-stack-names.test.ts checks it there).
    for (const resource of resources) {
      const visible = JSON.stringify(withoutSecrets(resource.inputs));
      for (const secret of [token, agentKey, openaiKey]) {
        expect(visible, `${resource.type} ${resource.name}`).not.toContain(secret);
      }
    }
  });

  it("keeps a generated agent key secret in the bindings and the outputs", async () => {
    const { resources, sos } = await deploy(baseConfig, "generated");
    const generated = await valueOf(sos.agentKey);
    expect(generated).toMatch(/^generated-sos-generated-agent-key/);
    const byName = Object.fromEntries(bindingsOf(resources).map((binding) => [binding.name, binding]));
    expect(byName.AGENT_KEY!.text).toBe(generated);
    for (const resource of resources) {
      expect(JSON.stringify(withoutSecrets(resource.inputs))).not.toContain(generated);
    }
  });
});

describe("SosStack opt-ins", () => {
  it("with both off: no listing, the daily upkeep trigger only, nothing to send in the bindings", async () => {
    const { resources } = await deploy(baseConfig, "quiet");
    // The daily run exists without the opt-ins: it deletes inbox messages past their retention.
    expect(only(resources, type.cron).inputs).toMatchObject({
      scriptName: "sos-quiet-worker",
      schedules: [{ cron: program.sosStack().dailyCron }],
    });
    expect(resources.filter((resource) => resource.name.endsWith("-yellow-pages"))).toEqual([]);
    const byName = Object.fromEntries(bindingsOf(resources).map((binding) => [binding.name, binding]));
    expect(byName.TELEMETRY!.text).toBe("false");
    expect(byName.YELLOW_PAGES!.text).toBe("false");
    for (const name of ["TELEMETRY_URL", "REGISTRY_URL", "REGISTRY_TOKEN", "SHARE_COHERENCE"]) {
      expect(byName[name], name).toBeUndefined();
    }
  });

  it("with the listing on: registers the public profile, binds its token as a secret, runs daily", async () => {
    const { resources } = await deploy(
      {
        ...baseConfig,
        "sos:yellowPages": "true",
        "sos:yellowPagesName": "Acme helper",
        "sos:yellowPagesSkills": '["search","summaries"]',
        "sos:yellowPagesShareCoherence": "false",
      },
      "listed",
    );
    const listing = resources.find((resource) => resource.name === "sos-listed-yellow-pages")!;
    expect(unwrapSecrets(listing.inputs.payload)).toEqual({
      agent_id: "sos-listed",
      public_profile: { name: "Acme helper", skills: ["search", "summaries"], uv_public: { coherence: null } },
      callback_url: "https://sos-listed-worker.acme.workers.dev/api/contact",
    });
    expect(listing.inputs.registryUrl).toBe("https://mumega.com/registry");
    expect(listing.additionalSecretOutputs).toEqual(["token"]);

    const byName = Object.fromEntries(bindingsOf(resources).map((binding) => [binding.name, binding]));
    expect(byName.YELLOW_PAGES!.text).toBe("true");
    expect(byName.REGISTRY_URL!.text).toBe("https://mumega.com/registry");
    expect(byName.REGISTRY_TOKEN!.type).toBe("secret_text");
    expect(byName.SHARE_COHERENCE!.text).toBe("false");
    expect(byName.TELEMETRY!.text).toBe("false");
    expect(only(resources, type.script).dependencies.some((urn) => urn.endsWith("::sos-listed-yellow-pages"))).toBe(
      true,
    );

    const cron = only(resources, type.cron);
    expect(cron.inputs).toMatchObject({
      accountId,
      scriptName: "sos-listed-worker",
      schedules: [{ cron: program.sosStack().dailyCron }],
    });
  });

  it("with telemetry on only: the daily trigger and the telemetry URL, no listing", async () => {
    const { resources } = await deploy({ ...baseConfig, "sos:telemetry": "true" }, "counted");
    expect(resources.filter((resource) => resource.name.endsWith("-yellow-pages"))).toEqual([]);
    expect(only(resources, type.cron).inputs.scriptName).toBe("sos-counted-worker");
    const byName = Object.fromEntries(bindingsOf(resources).map((binding) => [binding.name, binding]));
    expect(byName.TELEMETRY!.text).toBe("true");
    expect(byName.TELEMETRY_URL!.text).toBe("https://mumega.com/telemetry");
    expect(byName.REGISTRY_TOKEN).toBeUndefined();
  });
});

describe("SosStack tenants and data safety", () => {
  it("gives two stacks different resource names", async () => {
    const dev = await deploy(baseConfig, "dev");
    const prod = await deploy(baseConfig, "prod");
    const names = (resources: RegisteredResource[]) =>
      [type.database, type.kv, type.script, type.pages].map((t) => {
        const inputs = only(resources, t).inputs;
        return String(inputs.name ?? inputs.title ?? inputs.scriptName);
      });
    expect(names(dev.resources)).toEqual(["sos-dev-memory", "sos-dev-session", "sos-dev-worker", "sos-dev-chat"]);
    expect(names(prod.resources)).toEqual(["sos-prod-memory", "sos-prod-session", "sos-prod-worker", "sos-prod-chat"]);
  });

  it("retainData changes only the database's retention and what destroy will say about it", async () => {
    const kept = await deploy(baseConfig, "retain");
    const dropped = await deploy({ ...baseConfig, "sos:retainData": "false" }, "retain");
    expect(only(kept.resources, type.database).retainOnDelete).toBe(true);
    expect(only(dropped.resources, type.database).retainOnDelete).toBe(false);
    // The notice that `pulumi destroy` prints about the kept database: shown only while it is kept.
    expect(named(kept.resources, "sos-retain-kept-data").inputs.retained).toBe(true);
    expect(named(dropped.resources, "sos-retain-kept-data").inputs.retained).toBe(false);
    const summary = (resources: RegisteredResource[]) =>
      resources.map((resource) => {
        const { retained: _retained, ...inputs } = unwrapSecrets(resource.inputs) as Record<string, unknown>;
        return {
          type: resource.type,
          name: resource.name,
          inputs,
          retain: resource.type === type.database ? null : resource.retainOnDelete,
        };
      });
    expect(summary(dropped.resources)).toEqual(summary(kept.resources));
  });
});

describe("SosStack determinism", () => {
  it("gives identical inputs for every resource when evaluated twice with the same config", async () => {
    const first = await deploy(baseConfig, "twice");
    const second = await deploy(baseConfig, "twice");
    const inputs = (resources: RegisteredResource[]) =>
      resources.map((resource) => [resource.type, resource.name, unwrapSecrets(resource.inputs)]);
    expect(inputs(second.resources)).toEqual(inputs(first.resources));
  });

  it("changes only the worker script's hash when the worker code changes", async () => {
    const bundle = await sharedWorkerBundle();
    const changed = { ...bundle, code: `${bundle.code}\n// changed`, sha256: sha256Hex(`${bundle.code}\n// changed`) };
    const before = await deploy(baseConfig, "hash", bundle);
    const after = await deploy(baseConfig, "hash", changed);
    const differences: string[] = [];
    before.resources.forEach((resource, index) => {
      const other = after.resources[index]!;
      for (const key of new Set([...Object.keys(resource.inputs), ...Object.keys(other.inputs)])) {
        if (JSON.stringify(unwrapSecrets(resource.inputs[key])) !== JSON.stringify(unwrapSecrets(other.inputs[key]))) {
          differences.push(`${resource.type}.${key}`);
        }
      }
    });
    expect(differences).toEqual([`${type.script}.contentSha256`]);
  });
});
