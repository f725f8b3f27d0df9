import { describe, expect, it } from "vitest";
import { ConfigError, defaultPrefix, parseStackConfig, type ConfigSource } from "../../stack/config";
import { valueOf } from "../support/pulumi-mocks";

const accountId = "0123456789abcdef0123456789abcdef";

function source(
  values: Record<string, string>,
  options: { plain?: string[]; env?: Record<string, string> } = {},
): ConfigSource {
  return {
    stack: "dev",
    get: (key) => values[key],
    isSecret: (key) => !(options.plain ?? []).includes(key) && key !== "sos:accountId",
    env: options.env ?? {},
  };
}

function problemsOf(values: Record<string, string>, options?: Parameters<typeof source>[1]): string[] {
  try {
    parseStackConfig(source(values, options));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("stack configuration", () => {
  it("applies the documented defaults", async () => {
    const config = parseStackConfig(source({ "sos:accountId": accountId, "cloudflare:apiToken": "t" }));
    expect(config).toMatchObject({
      accountId,
      prefix: "sos-dev",
      agentId: "sos-dev",
      agentName: "SOS",
      retainData: true,
      llmProvider: "workers-ai",
      llmModel: "",
      llmFallback: [],
      embeddingProvider: "workers-ai",
      allowedOrigins: [],
      sessionTtlSeconds: 86400,
      contactCallerLimit: 5,
      contactHourlyCap: 100,
      contactRetentionDays: 30,
    });
    expect(config.agentKey).toBeUndefined();
    expect(config.providerKeys).toEqual({});
    expect(await valueOf(config.apiToken)).toBe("t");
  });

  it("takes the token from CLOUDFLARE_API_TOKEN when the config has none", async () => {
    const config = parseStackConfig(
      source({ "sos:accountId": accountId }, { env: { CLOUDFLARE_API_TOKEN: "from-env" } }),
    );
    expect(await valueOf(config.apiToken)).toBe("from-env");
  });

  it("lists every problem in one error: missing account id and token, malformed value, unknown provider", () => {
    const problems = problemsOf({
      "sos:sessionTtlSeconds": "ten",
      "sos:llmProvider": "skynet",
      "sos:retainData": "maybe",
    });
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith("sos:accountId:"))).toContain("pulumi config set sos:accountId");
    expect(problems.find((p) => p.startsWith("cloudflare:apiToken:"))).toContain("CLOUDFLARE_API_TOKEN");
    expect(problems.some((p) => p.startsWith("sos:sessionTtlSeconds:"))).toBe(true);
    expect(problems.find((p) => p.startsWith("sos:llmProvider:"))).toMatch(
      /workers-ai.*openai.*anthropic.*gemini.*groq/,
    );
    expect(problems.some((p) => p.startsWith("sos:retainData:"))).toBe(true);
  });

  it("takes the inbox's limits and retention, refusing zero, fractions and words", () => {
    const config = parseStackConfig(
      source({
        "sos:accountId": accountId,
        "cloudflare:apiToken": "t",
        "sos:contactCallerLimit": "3",
        "sos:contactHourlyCap": "250",
        "sos:contactRetentionDays": "7",
      }),
    );
    expect(config).toMatchObject({ contactCallerLimit: 3, contactHourlyCap: 250, contactRetentionDays: 7 });
    const problems = problemsOf({
      "sos:accountId": accountId,
      "cloudflare:apiToken": "t",
      "sos:contactCallerLimit": "0",
      "sos:contactHourlyCap": "1.5",
      "sos:contactRetentionDays": "forever",
    });
    expect(problems.map((problem) => problem.split(":").slice(0, 2).join(":")).sort()).toEqual([
      "sos:contactCallerLimit",
      "sos:contactHourlyCap",
      "sos:contactRetentionDays",
    ]);
  });

  it("names each key in the error message", () => {
    expect(() => parseStackConfig(source({ "sos:accountId": "not-an-id", "cloudflare:apiToken": "t" }))).toThrow(
      /Invalid SOS stack configuration \(1 problem\):\n  - sos:accountId: a Cloudflare account id is 32 lowercase hex characters/,
    );
  });

  it("refuses a provider without its key, a secret stored in plain text, a short agent key, bad origins", () => {
    const problems = problemsOf(
      {
        "sos:accountId": accountId,
        "cloudflare:apiToken": "t",
        "sos:llmProvider": "anthropic",
        "sos:llmFallback": "groq,anthropic",
        "sos:openaiApiKey": "sk-plain",
        "sos:agentKey": "short",
        "sos:allowedOrigins": '["https://ok.example.com","https://bad.example.com/path"]',
        "sos:sessionTtlSeconds": "30",
      },
      { plain: ["sos:openaiApiKey"] },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sos:allowedOrigins\.1: an origin/),
        expect.stringMatching(/^sos:sessionTtlSeconds:/),
        expect.stringMatching(
          /^sos:openaiApiKey: must be stored as a secret: pulumi config set --secret sos:openaiApiKey/,
        ),
        "sos:agentKey: must be at least 32 characters long",
        "sos:anthropicApiKey: is required because anthropic is in llmProvider/llmFallback",
        "sos:groqApiKey: is required because groq is in llmProvider/llmFallback",
        "sos:llmFallback: lists a provider twice or repeats llmProvider",
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it("never repeats a secret's value in an error", () => {
    const problems = problemsOf(
      { "sos:accountId": accountId, "cloudflare:apiToken": "t", "sos:agentKey": "tiny-secret-value" },
      {},
    );
    expect(problems.join("\n")).not.toContain("tiny-secret-value");
  });

  it("lets an OpenAI-compatible server run without a key", () => {
    const config = parseStackConfig(
      source({
        "sos:accountId": accountId,
        "cloudflare:apiToken": "t",
        "sos:llmProvider": "openai",
        "sos:openaiBaseUrl": "http://localhost:11434/v1",
      }),
    );
    expect(config.openaiBaseUrl).toBe("http://localhost:11434/v1");
  });

  it("takes the built-in hashing embedding without any key, and refuses an unknown one", () => {
    const config = parseStackConfig(
      source({ "sos:accountId": accountId, "cloudflare:apiToken": "t", "sos:embeddingProvider": "hash" }),
    );
    expect(config.embeddingProvider).toBe("hash");
    expect(
      problemsOf({ "sos:accountId": accountId, "cloudflare:apiToken": "t", "sos:embeddingProvider": "hashing" }).join(
        "\n",
      ),
    ).toContain("sos:embeddingProvider");
  });

  it("derives the default prefix from the stack name within Cloudflare's naming rules", () => {
    expect(defaultPrefix("dev")).toBe("sos-dev");
    expect(defaultPrefix("Acme_Prod.eu")).toBe("sos-acme-prod-eu");
    expect(defaultPrefix("org/project/---")).toBe("sos-org-project");
  });
});

describe("prefix and names", () => {
  const base = { "sos:accountId": accountId, "cloudflare:apiToken": "t" };
  const withStack = (stack: string, values: Record<string, string> = {}): ConfigSource => ({
    ...source({ ...base, ...values }),
    stack,
  });
  const problemsFor = (stack: string, values: Record<string, string> = {}) => {
    try {
      parseStackConfig(withStack(stack, values));
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it("refuses a prefix Cloudflare's names cannot carry, stating the characters and length allowed", () => {
    for (const prefix of ["Tenant_A", "tenant.a", "-lead", "a".repeat(41)]) {
      expect(problemsFor("dev", { "sos:prefix": prefix }), prefix).toEqual([
        "sos:prefix: 1 to 40 characters: lowercase letters a-z, digits 0-9 and '-', starting with a letter or digit",
      ]);
    }
    expect(parseStackConfig(withStack("dev", { "sos:prefix": "a".repeat(40) })).prefix).toBe("a".repeat(40));
  });

  it("takes sos-<stack> only from a stack name that is a prefix as it is", () => {
    expect(parseStackConfig(withStack("tenant-a")).prefix).toBe("sos-tenant-a");
    // Tenant_A, tenant.a and tenant-a would all become sos-tenant-a: two tenants, one set of resources.
    for (const stack of ["Tenant_A", "tenant.a"]) {
      const [problem] = problemsFor(stack);
      expect(problem).toMatch(new RegExp(`^sos:prefix: is required: the stack name '${stack.replace(".", "\\.")}'`));
      expect(problem).toContain("Reduced it would be 'sos-tenant-a'");
      expect(problem).toContain("pulumi config set sos:prefix sos-tenant-a");
    }
    expect(parseStackConfig(withStack("Tenant_A", { "sos:prefix": "sos-tenant-a-eu" })).prefix).toBe("sos-tenant-a-eu");
  });

  it("refuses a stack name that would be cut, instead of cutting it silently", () => {
    const long = `tenant-${"x".repeat(40)}`;
    const [problem] = problemsFor(long);
    expect(problem).toContain(`Reduced it would be '${defaultPrefix(long)}'`);
    expect(defaultPrefix(long)).toHaveLength(40);
    expect(parseStackConfig(withStack("x".repeat(36))).prefix).toBe(`sos-${"x".repeat(36)}`);
  });

  it("keeps every Cloudflare name within its limit for any prefix it accepts", async () => {
    const { nameLimitProblems, resourceNames } = await import("../../stack/names.js");
    expect(nameLimitProblems("a".repeat(40))).toEqual([]);
    expect(resourceNames("a".repeat(40)).worker).toHaveLength(47);
    expect(nameLimitProblems("a".repeat(57))).toEqual([
      `${"a".repeat(57)}-memory is 64 characters, over Cloudflare's 63 for a D1 database`,
      `${"a".repeat(57)}-worker is 64 characters, over Cloudflare's 63 for a Worker`,
      `${"a".repeat(57)}-chat is 62 characters, over Cloudflare's 58 for a Pages project`,
    ]);
  });

  it("reads the keys that come back to kept data and guard the names", () => {
    const config = parseStackConfig(withStack("dev"));
    expect(config).toMatchObject({
      adoptDatabaseId: "",
      adoptKvNamespaceId: "",
      allowPrefixChange: false,
      pagesKeepDeployments: 10,
    });
    const adopting = parseStackConfig(
      withStack("dev", {
        "sos:adoptDatabaseId": "3f0e1c5a-7b9d-4e2f-8a6b-0c1d2e3f4a5b",
        "sos:adoptKvNamespaceId": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "sos:allowPrefixChange": "true",
        "sos:pagesKeepDeployments": "3",
      }),
    );
    expect(adopting).toMatchObject({ allowPrefixChange: true, pagesKeepDeployments: 3 });
    expect(
      problemsFor("dev", {
        "sos:adoptDatabaseId": "sos-dev-memory",
        "sos:adoptKvNamespaceId": "xyz",
        "sos:pagesKeepDeployments": "0",
      }).map((problem) => problem.split(":").slice(0, 2).join(":")),
    ).toEqual(["sos:adoptDatabaseId", "sos:adoptKvNamespaceId", "sos:pagesKeepDeployments"]);
  });
});

describe("Pulumi.yaml", () => {
  it("declares every setting the program reads, with the default the program applies", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const { settingsSchema } = await import("../../stack/config.js");
    const declared = (parse(readFileSync("Pulumi.yaml", "utf8")) as { config: Record<string, { default?: unknown }> })
      .config;
    for (const [key, schema] of Object.entries(settingsSchema.shape)) {
      expect(declared[key], key).toBeDefined();
      if (key === "accountId") continue;
      const fallback = declared[key]!.default;
      const given = fallback === "" ? undefined : Array.isArray(fallback) ? fallback : String(fallback);
      expect((schema as { parse(value: unknown): unknown }).parse(given), key).toEqual(
        (schema as { parse(value: unknown): unknown }).parse(undefined),
      );
    }
  });
});
