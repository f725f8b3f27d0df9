import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../stack/paths";
import { defaultModel, providerModels } from "../../../worker/llm/models";
import { useWorker } from "../../support/worker-harness";

/**
 * Each provider's models, its default first, come from its pinned SDK's current model list (the
 * SDK's own type, read here from the installed package), and none is one the SDK marks deprecated:
 * upgrading an SDK that deprecates a default fails this test.
 */
/** The installed package's folder (several packages do not export their package.json). */
const packageDir = (name: string) => path.join(projectRoot, "node_modules", name);
const read = (name: string, file: string) => readFileSync(path.join(packageDir(name), file), "utf8");

/** The quoted names of a TypeScript union, from its declaration onwards to the semicolon. */
function unionMembers(source: string, declaration: RegExp): string[] {
  const match = declaration.exec(source);
  if (!match) throw new Error(`no declaration matching ${declaration}`);
  const rest = source.slice(match.index + match[0].length);
  const union = rest.slice(0, rest.indexOf(";"));
  return [...union.matchAll(/'([^']+)'/g)].map((member) => member[1]!);
}

const sdkLists: Record<"openai" | "anthropic" | "groq" | "workers-ai", () => string[]> = {
  openai: () => unionMembers(read("openai", "resources/shared.d.ts"), /export type ChatModel =/),
  anthropic: () => unionMembers(read("@anthropic-ai/sdk", "resources/messages/messages.d.ts"), /export type Model =/),
  groq: () =>
    unionMembers(
      read("groq-sdk", "resources/chat/completions.d.ts"),
      /export interface ChatCompletionCreateParamsBase \{[\s\S]*?\n {4}model:/,
    ),
  "workers-ai": () => {
    const source = read("@cloudflare/workers-types", "index.d.ts");
    const start = source.indexOf("interface AiModels {");
    const body = source.slice(start, source.indexOf("}", start));
    return [...body.matchAll(/"(@cf\/[^"]+)"/g)].map((member) => member[1]!);
  },
};

/** Anthropic's SDK warns, at each call, about the models in its deprecation table (model → end of life). */
async function anthropicDeprecated(): Promise<Record<string, string>> {
  const file = path.join(packageDir("@anthropic-ai/sdk"), "internal/data/deprecated-models.js");
  const loaded = (await import(pathToFileURL(file).href)) as { DEPRECATED_MODELS?: Record<string, string> };
  return (
    loaded.DEPRECATED_MODELS ??
    (loaded as { default: { DEPRECATED_MODELS: Record<string, string> } }).default.DEPRECATED_MODELS
  );
}

/** Every `@deprecated` doc comment of an SDK's declarations that names `model`. */
function deprecationNotes(pkg: string, files: string[], model: string): string[] {
  return files.flatMap((file) =>
    [...read(pkg, file).matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\//g)]
      .map((comment) => comment[1]!)
      .filter((comment) => /@deprecated/.test(comment) && comment.includes(model)),
  );
}

describe("each provider's models", () => {
  for (const [provider, list] of Object.entries(sdkLists)) {
    it(`${provider}: every model offered is in the pinned SDK's current list`, () => {
      const known = list();
      expect(known.length).toBeGreaterThan(3);
      for (const model of providerModels[provider as keyof typeof sdkLists]) expect(known, model).toContain(model);
    });
  }

  it("gemini: the pinned SDK has no model list to check against (a list added by an upgrade fails here)", () => {
    const source = read("@google/generative-ai", "dist/generative-ai.d.ts");
    expect(source).not.toMatch(/'gemini-[\w.-]+'\s*\|/);
    expect(defaultModel("gemini")).toMatch(/^gemini-/);
  });

  it("anthropic: no model offered is in the SDK's deprecation table (the old default is)", async () => {
    const deprecated = await anthropicDeprecated();
    expect(Object.keys(deprecated)).toContain("claude-sonnet-4-5");
    for (const model of providerModels.anthropic) expect(deprecated, model).not.toHaveProperty(model);
  });

  it("openai and groq: no model offered is named by a @deprecated note of their SDK", () => {
    for (const model of providerModels.openai) {
      expect(
        deprecationNotes("openai", ["resources/shared.d.ts", "resources/chat/completions/completions.d.ts"], model),
      ).toEqual([]);
    }
    for (const model of providerModels.groq) {
      expect(deprecationNotes("groq-sdk", ["resources/chat/completions.d.ts", "resources/models.d.ts"], model)).toEqual(
        [],
      );
    }
  });
});

describe("GET /api/providers", () => {
  const harness = useWorker({
    LLM_PROVIDER: "openai",
    LLM_MODEL: "my-local-model",
    OPENAI_BASE_URL: "http://127.0.0.1:9",
  });

  it("lists each provider's models, its default first (LLM_MODEL for the first provider)", async () => {
    const response = await harness.request("GET", "/api/providers");
    const byName = Object.fromEntries(
      response.body.providers.map((provider: { name: string }) => [provider.name, provider]),
    );
    expect(byName.openai).toMatchObject({
      configured: true,
      defaultModel: "my-local-model",
      models: ["my-local-model", ...providerModels.openai],
    });
    expect(byName.anthropic).toMatchObject({
      configured: false,
      defaultModel: defaultModel("anthropic"),
      models: [...providerModels.anthropic],
    });
  });
});
