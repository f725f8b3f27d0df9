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
