import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { settingsSchema } from "../../stack/config";
import { projectRoot } from "../../stack/paths";
import { embeddingModels, embeddingOptions, providerNames } from "../../worker/llm/provider-catalog";

/** Every setting is declared three times for three readers; this keeps the three in step. */
const project = parse(readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")) as {
  config: Record<string, { type: string; default?: unknown; description: string }>;
};
const docs = readFileSync(path.join(projectRoot, "docs", "deployment.md"), "utf8");
const reference = docs.slice(docs.indexOf("## Configuration reference"));
const rows = new Map(
  [...reference.matchAll(/^\| `(\w+)` \| ([^|]+) \| ([^|]+) \| /gm)].map((match) => [match[1]!, { type: match[2]!, default: match[3]!.trim() }]),
);

/** What the config reader makes of an unset key, in Pulumi.yaml's terms. */
function readerDefault(key: string): unknown {
  const result = (settingsSchema.shape[key as keyof typeof settingsSchema.shape] as z.ZodType).safeParse(undefined);
  return result.success ? result.data : undefined;
}

describe("the settings, as Pulumi.yaml, the config reader and the docs declare them", () => {
  const keys = Object.keys(settingsSchema.shape);

  it("name the same keys", () => {
    expect(Object.keys(project.config).sort()).toEqual([...keys].sort());
    expect([...rows.keys()].sort()).toEqual([...keys].sort());
  });

  it.each(keys)("agree on the default of %s", (key) => {
    const declared = project.config[key]!;
    expect(declared.default, `Pulumi.yaml's default of ${key}`).toEqual(readerDefault(key));
    const documented = rows.get(key)!.default;
    if (declared.default === undefined) expect(documented).toBe("—");
    else if (Array.isArray(declared.default) || declared.default !== "") {
      // An empty default is described in words (`sos-<stack>`, "the prefix", ...); any other is quoted.
      expect(documented, `docs' default of ${key}`).toBe(`\`${JSON.stringify(declared.default).replace(/^"|"$/g, "")}\``);
    }
  });

  it.each([
    ["llmProvider", providerNames],
    ["embeddingProvider", embeddingOptions],
  ] as const)("list the values of %s that the worker knows", (key, names) => {
    expect(rows.get(key)!.type).toBe(names.map((name) => `\`${name}\``).join(", "));
    for (const name of names) expect(project.config[key]!.description).toContain(name);
  });
});

describe("the providers, as docs/api.md's table lists them", () => {
  const api = readFileSync(path.join(projectRoot, "docs", "api.md"), "utf8");
  const table = api.slice(api.indexOf("| provider | SDK |")).split("\n\n")[0]!;
  const embeddingColumn = new Map(
    [...table.matchAll(/^\| `([\w-]+)`[^|]*\|[^|]*\|[^|]*\| ([^|]+) \|$/gm)].map((match) => [match[1]!, match[2]!]),
  );

  it("name every provider", () => {
    expect([...embeddingColumn.keys()]).toEqual([...providerNames]);
  });

  it.each(providerNames)("name the embedding model of %s", (name) => {
    const embedding = Object.entries(embeddingModels).find(([option]) => option === name)?.[1];
    expect(embeddingColumn.get(name)).toBe(embedding ? `\`${embedding.model}\`` : "—");
  });
});
