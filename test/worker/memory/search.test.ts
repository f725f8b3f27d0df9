import { beforeAll, describe, expect, it } from "vitest";
import { useWorker } from "../../support/worker-harness";

const harness = useWorker();

const texts = {
  near: "The NEAR operator and col values were discussed",
  foo: "foo fighters concert notes",
  unicode: "Café au lait in Zürich, 日本語のメモ 🙂",
  tea: "green tea in the morning",
  teaTwice: "green tea, always green tea, with a green teapot",
};
const ids: Record<string, string> = {};

beforeAll(async () => {
  for (const [key, text] of Object.entries(texts)) {
    ids[key] = (
      await harness.request("POST", "/api/memories", { text, core_concepts: key === "tea" ? ["beverage"] : [] })
    ).body.id;
  }
});

async function search(query: string, extra: Record<string, unknown> = {}) {
  const response = await harness.request("POST", "/api/memories/search", { query, ...extra });
  expect(response.status, query).toBe(200);
  return response.body.results as { id: string; score: number; text: string }[];
}

describe("POST /api/memories/search", () => {
  it("ranks by bm25, best first, with a positive score", async () => {
    const results = await search("green tea");
    expect(results.map((r) => r.id)).toEqual([ids.teaTwice, ids.tea]);
    expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
    expect(results[1]!.score).toBeGreaterThan(0);
  });

  it("searches the concepts as well as the text", async () => {
    expect((await search("beverage")).map((r) => r.id)).toEqual([ids.tea]);
  });

  it("matches any of the words (OR), so natural questions find memories", async () => {
    expect((await search("what do I drink in the morning?")).map((r) => r.id)).toContain(ids.tea);
  });

  const injections = [
    '"',
    '""',
    '"unbalanced',
    "*",
    "foo*",
    "NEAR(a b)",
    "NEAR(",
    "-foo",
    "col:x",
    "text:foo",
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "NOT foo",
    "^foo",
    "{text core_concepts}: foo",
    "+",
    "'; DROP TABLE engrams; --",
    "\u0000",
    "\u0301",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂",
    "日本語",
    "café",
  ];
  for (const query of injections) {
    it(`treats ${JSON.stringify(query)} as words: results or [], never an error`, async () => {
      const results = await search(query);
      expect(Array.isArray(results)).toBe(true);
    });
  }

  it("finds the words inside FTS syntax instead of obeying it", async () => {
    expect((await search("NEAR(a b)")).map((r) => r.id)).toContain(ids.near);
    expect((await search("col:x")).map((r) => r.id)).toEqual([ids.near]);
    expect((await search("-foo")).map((r) => r.id)).toEqual([ids.foo]);
    expect((await search("NOT foo")).map((r) => r.id)).toEqual([ids.foo]);
    expect((await search("AND")).map((r) => r.id)).toEqual([ids.near]);
    expect((await search("foo*")).map((r) => r.id)).toEqual([ids.foo]);
  });

  it("matches accents loosely and non-Latin scripts by word", async () => {
    expect((await search("cafe")).map((r) => r.id)).toEqual([ids.unicode]);
    expect((await search("ZÜRICH")).map((r) => r.id)).toEqual([ids.unicode]);
    expect((await search("日本語のメモ")).map((r) => r.id)).toEqual([ids.unicode]);
  });

  it("returns [] for a query without any word", async () => {
    expect(await search('*** "" ()')).toEqual([]);
  });

  it("records recall in accessed_at of the engrams returned, and only of those", async () => {
    const recalled = (await harness.request("POST", "/api/memories", { text: "a recalled walrus" })).body.id;
    const other = (await harness.request("POST", "/api/memories", { text: "an untouched narwhal" })).body.id;
    expect((await harness.request("GET", `/api/memories/${recalled}`)).body.accessed_at).toBeNull();
    await search("walrus");
    expect((await harness.request("GET", `/api/memories/${recalled}`)).body.accessed_at).toMatch(/Z$/);
    expect((await harness.request("GET", `/api/memories/${other}`)).body.accessed_at).toBeNull();
  });

  it("honours limit and context_id", async () => {
    await harness.request("POST", "/api/memories", { text: "green tea in context", context_id: "ctx-search" });
    expect(await search("green", { limit: 1 })).toHaveLength(1);
    const scoped = await search("green", { context_id: "ctx-search" });
    expect(scoped.map((r) => r.text)).toEqual(["green tea in context"]);
  });

  it("refuses bad input with a 400 naming the field", async () => {
    for (const [body, field] of [
      [{}, "query"],
      [{ query: "" }, "query"],
      [{ query: "x".repeat(1001) }, "query"],
      [{ query: "tea", limit: 0 }, "limit"],
      [{ query: "tea", limit: 2.5 }, "limit"],
      [{ query: ["tea"] }, "query"],
      [{ query: "tea", filter: "x" }, "filter"],
    ] as const) {
      const response = await harness.request("POST", "/api/memories/search", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.field, JSON.stringify(body)).toBe(field);
    }
  });
});
