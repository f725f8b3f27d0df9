import Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import type { CompiledQuery } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { textCandidatesQuery } from "../../../worker/db/engram-recall-queries";
import { fold, lookedUpTerms, maxLookedUpTerms, queryTerms } from "../../../worker/memory/fts-query";
import { maxTextCandidates } from "../../../worker/memory/hybrid-recall";
import { porterStem } from "../../../worker/memory/porter-stem";
import { runCompiled, sqliteCompiler } from "../../support/compiled-queries";
import { seedEngrams } from "../../support/seed-engrams";
import { testAgentId, useWorker } from "../../support/worker-harness";

describe("the porter stems recall looks up", () => {
  it("are FTS5's own, word for word, over the English of this repository's documents", () => {
    const text = ["README.md", "bench/memory-recall-data.ts", "bench/memory-quality-data.ts"]
      .map((file) => readFileSync(file, "utf8"))
      .join(" ");
    const words = [...new Set((text.match(/[\p{L}\p{N}\p{M}\p{Co}]+/gu) ?? []).map(fold))];
    words.push(
      ...[
        "allergies",
        "allergic",
        "generalizations",
        "hopping",
        "feed",
        "agreed",
        "sky",
        "Café",
        "naïve",
        "ll",
        "x",
      ].map(fold),
    );
    const db = new Database(":memory:");
    db.exec(
      "CREATE VIRTUAL TABLE f USING fts5(t, tokenize = 'porter unicode61 remove_diacritics 2');" +
        "CREATE VIRTUAL TABLE v USING fts5vocab(f, 'row');",
    );
    const insert = db.prepare("INSERT INTO f (rowid, t) VALUES (?, ?)");
    const stems = db.prepare("SELECT term FROM v");
    const differ: string[] = [];
    for (const word of words) {
      db.exec("DELETE FROM f");
      insert.run(1, word);
      const indexed = stems.all().map((row) => (row as { term: string }).term);
      if (indexed.length !== 1 || indexed[0] !== porterStem(word))
        differ.push(`${word}: ${indexed} / ${porterStem(word)}`);
    }
    expect(words.length).toBeGreaterThan(1_000);
    expect(differ).toEqual([]);
  });

  it("one term per stem, stopwords out, words as FTS5 folds them", () => {
    expect(queryTerms("Do I have ALLERGIES? allergy, Allergies!")).toEqual([{ word: "allergies", stem: "allergi" }]);
    expect(queryTerms("Café in Zürich").map((term) => term.word)).toEqual(["cafe", "zurich"]);
  });

  it(`reads the counts of at most ${maxLookedUpTerms} words; the others still rank`, () => {
    const terms = queryTerms("alpha beta gamma delta epsilon zeta eta theta iota kappa");
    const { looked, rest } = lookedUpTerms(terms);
    expect(looked).toHaveLength(maxLookedUpTerms);
    expect(rest.map((term) => term.word).sort()).toEqual(["eta", "iota", "zeta"]);
  });
});

const harness = useWorker();
const total = 5_000;

/** Hybrid recall's full-text candidates for `query`, compiled, and how many of its words are looked up. */
function candidatesQuery(query: string): { looked: number; compiled: CompiledQuery } {
  const terms = lookedUpTerms(queryTerms(query));
  const compiled = textCandidatesQuery(sqliteCompiler, {
    terms: terms.looked,
    rest: terms.rest,
    maxCandidates: maxTextCandidates,
    agent: testAgentId,
    limit: 10,
    deep: 400,
  }).compile();
  return { looked: terms.looked.length, compiled };
}

async function run(query: CompiledQuery) {
  const { rows, rowsRead } = await runCompiled<{ id: string }>(await harness.d1(), query);
  return { ids: rows.map((row) => row.id), rowsRead };
}

async function search(query: string, limit = 10) {
  const response = await harness.request("POST", "/api/memories/search", { query, limit });
  expect(response.status).toBe(200);
  return response.body.results as { id: string; text: string }[];
}

beforeAll(async () => {
  // 5,000 engrams, all "ordinary"; 4 in 9 "everyday" (more than maxTextCandidates, fewer than half:
  // bm25 weighs it a little), the others "someday" (so all are as long); five zebras.
  await seedEngrams(
    await harness.d1(),
    total,
    testAgentId,
    `'ordinary note ' || i ||
       CASE WHEN i % 9 < 4 THEN ' everyday' ELSE ' someday' END ||
       CASE WHEN i % 1000 = 0 THEN ' a zebra grazing' ELSE '' END ||
       CASE WHEN i = 7 THEN ' the vet said my dog has allergies' ELSE '' END`,
  );
});

describe("full-text recall over 5,000 engrams (stemmed, words picked by rarity)", () => {
  it("finds word forms: 'allergic' and 'allergy' find 'allergies'", async () => {
    expect((await search("Is my dog allergic?")).map((row) => row.id)).toContain("seed-7");
    expect((await search("any allergy"))[0]!.id).toBe("seed-7");
  });

  it("ranks by every word, the common ones too: of the zebra engrams, those also 'everyday' first", async () => {
    // 1000, 2000 and 3000 are "everyday" (i % 9 < 4), 4000 and 5000 are not.
    const found = (await search("everyday zebra", 5)).map((row) => row.id);
    expect(found.slice(0, 3).sort()).toEqual(["seed-1000", "seed-2000", "seed-3000"]);
    expect(found.slice(3).sort()).toEqual(["seed-4000", "seed-5000"]);
  });

  it("a query of common words only still finds (the rarest word finds the candidates)", async () => {
    expect(await search("ordinary", 5)).toHaveLength(5);
    expect(await search("everyday ordinary", 5)).toHaveLength(5);
  });

  it("reads one row per looked-up word and two per result, however common the words", async () => {
    for (const [query, results] of [
      ["zebra", 5],
      ["ordinary everyday zebra grazing", 5],
      ["ordinary", 10],
      ["everyday ordinary note", 10],
    ] as const) {
      const { looked, compiled } = candidatesQuery(query);
      const { ids, rowsRead } = await run(compiled);
      expect(ids, query).toHaveLength(results);
      // The vocabulary rows, the aggregate's row, and an index entry and an engram per result.
      expect(rowsRead, query).toBeLessThanOrEqual(looked + 1 + 2 * results);
    }
  });

  it("leaves a common word out of finding candidates when rarer ones find them, not out of ranking", async () => {
    // "ordinary" is in all 5,000 (over maxTextCandidates): the candidates are the zebra engrams alone.
    const { compiled } = candidatesQuery("ordinary zebra");
    expect((await run(compiled)).ids.sort()).toEqual(["seed-1000", "seed-2000", "seed-3000", "seed-4000", "seed-5000"]);
  });
});
