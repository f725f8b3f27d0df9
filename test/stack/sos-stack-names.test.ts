import { describe, expect, it } from "vitest";
import { isRpcSecret, unwrapSecrets } from "../support/pulumi-mocks";
import type { RegistrationDetails } from "./registrations";
import { resourceType as type, useSosStack } from "./use-sos-stack";

/**
 * The stack's logical names, the options that keep data safe across its life (aliases, import,
 * retention), and what reaches state, under Pulumi's own mocks.
 */

const accountId = "0123456789abcdef0123456789abcdef";
const token = "names-test-token";
const keptDatabase = "3f0e1c5a-7b9d-4e2f-8a6b-0c1d2e3f4a5b";
const keptNamespace = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

const base = { "sos:accountId": accountId, "cloudflare:apiToken": token };

/** The program as index.ts writes it: the fixed component name, whatever the prefix. */
const { evaluate } = useSosStack("dev");
const program = (values: Record<string, string>, stack = "dev") => evaluate(values, { stack });

function detail(list: RegistrationDetails[], name: string): RegistrationDetails {
  const found = list.filter((entry) => entry.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
}

describe("logical names", () => {
  it("are fixed: another prefix changes Cloudflare's names, never a URN", async () => {
    const first = await program({ ...base, "sos:workersDevSubdomain": "acme" }, "dev");
    const second = await program({ ...base, "sos:workersDevSubdomain": "acme", "sos:prefix": "acme-bot" }, "dev");
    expect(second.details.map((entry) => entry.urn)).toEqual(first.details.map((entry) => entry.urn));
    expect(first.details.map((entry) => entry.name)).toContain("sos-memory");
    const database = (list: RegistrationDetails[]) => unwrapSecrets(detail(list, "sos-memory").raw) as { name: string };
    expect(database(first.details).name).toBe("sos-dev-memory");
    expect(database(second.details).name).toBe("acme-bot-memory");
  });

  it("alias every URN a stack deployed by the earlier release holds, so it keeps each resource", async () => {
    const { details: now } = await program(
      { ...base, "sos:workersDevSubdomain": "acme", "sos:yellowPages": "true", "sos:agentKey": "" },
      "dev",
    );
    const parent = "urn:pulumi:dev::sos::sos:index:SosStack";
    // What the earlier release registered for stack `dev` (logical names from the prefix sos-dev).
    const legacy: [string, string][] = [
      [`urn:pulumi:dev::sos::sos:index:SosStack::sos-dev`, type.stack],
      [`${parent}$pulumi:providers:cloudflare::sos-dev-cloudflare`, type.provider],
      [`${parent}$cloudflare:index/d1Database:D1Database::sos-dev-memory`, type.database],
      [`${parent}$pulumi-nodejs:dynamic:Resource::sos-dev-migrations`, type.dynamic],
      [`${parent}$cloudflare:index/workersKvNamespace:WorkersKvNamespace::sos-dev-session`, type.kv],
      [`${parent}$random:index/randomPassword:RandomPassword::sos-dev-agent-key`, type.password],
      [`${parent}$cloudflare:index/pagesProject:PagesProject::sos-dev-chat`, type.pages],
      [`${parent}$pulumi-nodejs:dynamic:Resource::sos-dev-yellow-pages`, type.dynamic],
      [`${parent}$cloudflare:index/workersScript:WorkersScript::sos-dev-worker`, type.script],
      [`${parent}$cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain::sos-dev-workers-dev`, type.route],
      [`${parent}$cloudflare:index/workersCronTrigger:WorkersCronTrigger::sos-dev-daily`, type.cron],
      [`${parent}$pulumi-nodejs:dynamic:Resource::sos-dev-frontend`, type.dynamic],
    ];
    for (const [urn, resourceType] of legacy) {
      const matches = now.filter((entry) => entry.aliasUrns.includes(urn));
      expect(
        matches.map((entry) => entry.type),
        urn,
      ).toEqual([resourceType]);
      expect(matches[0]!.urn, urn).not.toBe(urn);
    }
    // The new resources alias nothing of the old release's and clash with nothing.
    const urns = now.map((entry) => entry.urn);
    expect(new Set(urns).size).toBe(urns.length);
    expect(urns.filter((urn) => legacy.some(([old]) => old === urn))).toEqual([]);
  });

  it("need no alias when the prefix is the component's own name", async () => {
    const { details: now } = await program(
      { ...base, "sos:workersDevSubdomain": "acme", "sos:prefix": "sos" },
      "other",
    );
    // (The Cloudflare SDK aliases its own renamed types, WorkerScript to WorkersScript: not names.)
    const renames = now.flatMap((entry) => entry.aliasUrns.filter((urn) => urn.split("::").pop() !== entry.name));
    expect(renames).toEqual([]);
  });
});

describe("data safety options", () => {
  it("keeps the database on delete and never renames (replaces) it; names are checked first", async () => {
    const { details: now, resources } = await program({ ...base, "sos:workersDevSubdomain": "acme" });
    const database = detail(now, "sos-memory");
    expect(database.importId).toBe("");
    expect(database.ignoreChanges).toEqual(["name"]);
    expect(resources.find((resource) => resource.name === "sos-memory")!.retainOnDelete).toBe(true);
    const guard = detail(now, "sos-names");
    for (const dependent of ["sos-memory", "sos-session", "sos-chat", "sos-worker"]) {
      const registration = resources.find((resource) => resource.name === dependent)!;
      expect(registration.dependencies, dependent).toContain(guard.urn);
    }
    expect(unwrapSecrets(guard.raw)).toMatchObject({
      accountId,
      prefix: "sos-dev",
      names: {
        database: "sos-dev-memory",
        kvNamespace: "sos-dev-session",
        worker: "sos-dev-worker",
        pages: "sos-dev-chat",
      },
      adoptDatabaseId: "",
      adoptKvNamespaceId: "",
      allowPrefixChange: false,
    });
    expect(isRpcSecret(guard.raw.apiToken)).toBe(true);
  });

  it("takes over kept data with Pulumi's import option, under the child's own parent and provider", async () => {
    const { details: now } = await program({
      ...base,
      "sos:workersDevSubdomain": "acme",
      "sos:adoptDatabaseId": keptDatabase,
      "sos:adoptKvNamespaceId": keptNamespace,
    });
    const database = detail(now, "sos-memory");
    expect(database.importId).toBe(`${accountId}/${keptDatabase}`);
    expect(database.parent).toBe(detail(now, "sos").urn);
    expect(database.provider).toMatch(
      /^urn:pulumi:dev::sos::sos:index:SosStack\$pulumi:providers:cloudflare::sos-cloudflare::/,
    );
    expect(detail(now, "sos-session").importId).toBe(`${accountId}/${keptNamespace}`);
    expect(unwrapSecrets(detail(now, "sos-names").raw)).toMatchObject({
      adoptDatabaseId: keptDatabase,
      adoptKvNamespaceId: keptNamespace,
    });
  });

  it("tells destroy what it keeps: the kept-data notice follows retainData", async () => {
    const kept = await program({ ...base, "sos:workersDevSubdomain": "acme" });
    expect(unwrapSecrets(detail(kept.details, "sos-kept-data").raw)).toMatchObject({
      accountId,
      databaseName: "sos-dev-memory",
      prefix: "sos-dev",
      retained: true,
    });
    const dropped = await program({ ...base, "sos:workersDevSubdomain": "acme", "sos:retainData": "false" });
    expect(unwrapSecrets(detail(dropped.details, "sos-kept-data").raw)).toMatchObject({ retained: false });
  });
});

describe("what reaches state", () => {
  it("reads the workers.dev subdomain in a resource (not while evaluating) unless it is configured", async () => {
    const configured = await program({ ...base, "sos:workersDevSubdomain": "acme" });
    expect(configured.details.some((entry) => entry.name === "sos-workers-dev-subdomain")).toBe(false);
    const read = await program(base);
    const subdomain = detail(read.details, "sos-workers-dev-subdomain");
    expect(subdomain.type).toBe(type.dynamic);
    expect(unwrapSecrets(subdomain.raw)).toMatchObject({ accountId, apiToken: token });
    expect(isRpcSecret(subdomain.raw.apiToken)).toBe(true);
    expect(String(subdomain.raw.__provider)).not.toContain(token);
  });

  it("names the build folder relative to the working folder, and keeps the configured deployments", async () => {
    const { details: now } = await program({
      ...base,
      "sos:workersDevSubdomain": "acme",
      "sos:pagesKeepDeployments": "3",
    });
    const frontend = unwrapSecrets(detail(now, "sos-frontend").raw) as { buildDir: string; keepDeployments: number };
    expect(frontend.buildDir).toBe(".sos/build/frontend-sos-dev");
    expect(frontend.keepDeployments).toBe(3);
    expect(JSON.stringify(now.map((entry) => entry.raw))).not.toContain(process.cwd());
  });

  it("sends each secret binding's text as a secret, and the list and plain bindings as they are", async () => {
    const { details: now } = await program({ ...base, "sos:workersDevSubdomain": "acme" });
    const raw = detail(now, "sos-worker").raw.bindings as unknown;
    expect(isRpcSecret(raw)).toBe(false);
    const bindings = raw as { name: string; type: string; text?: unknown }[];
    expect(bindings.find((binding) => binding.name === "AGENT_KEY")).toMatchObject({ type: "secret_text" });
    for (const binding of bindings) {
      expect(isRpcSecret(binding), binding.name).toBe(false);
      if (binding.type === "secret_text") expect(isRpcSecret(binding.text), binding.name).toBe(true);
      if (binding.type === "plain_text") expect(isRpcSecret(binding.text), binding.name).toBe(false);
    }
  });
});
