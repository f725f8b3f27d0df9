import { describe, expect, it } from "vitest";
import { fuse, type Candidate } from "../../../worker/memory/fusion";
import { embed, workersAiStandInScript } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { useWorker } from "../../support/worker-harness";
import { basis, mix } from "../../support/memory-vectors";

const now = Date.parse("2026-06-01T00:00:00Z");

describe("the fusion guard", () => {
  // Ten full-text hits; a no-signal vector list holding ten other engrams first, and text hit 10.
  const candidates: Candidate[] = [
    ...Array.from({ length: 10 }, (_, index) => ({ rowid: index + 1, textRank: index + 1 })),
    ...Array.from({ length: 10 }, (_, index) => ({ rowid: 100 + index, vectorRank: index + 1 })),
  ];
  candidates[9] = { ...candidates[9]!, vectorRank: 11 };

  it("without it, RRF lets vector-only candidates push full-text hits out of the page", () => {
    const top = fuse(candidates, now).slice(0, 10);
    expect(top.filter((candidate) => candidate.textRank === undefined).length).toBeGreaterThan(0);
  });

  it("with it (a lexical embedding), the full-text hits keep their order and come first; vectors only fill", () => {
    const top = fuse(candidates, now, { guard: true });
    expect(top.slice(0, 10).map((candidate) => candidate.rowid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(top.slice(10).map((candidate) => candidate.rowid)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    const few = fuse(candidates.slice(0, 3).concat(candidates.slice(10)), now, { guard: true }).slice(0, 5);
    expect(few.map((candidate) => candidate.rowid)).toEqual([1, 2, 3, 100, 101]);
  });
});

describe("the built-in hashing embedding through the route", () => {
  const harness = useWorker();

  it("full-text hits come before vector-only ones", async () => {
    for (const text of ["pelican pelicans pelican beach", "pelicans", "the harbour pelican", "unrelated grocery list"])
      await harness.request("POST", "/api/memories", { text });
    const found = await harness.request("POST", "/api/memories/search", { query: "pelican", limit: 10 });
    const matched: string[][] = found.body.results.map((row: { text: string }) => row.text);
    const firstVectorOnly = found.body.results.findIndex((row: { text: string }) => !/pelican/.test(row.text));
    expect(matched.length).toBeGreaterThanOrEqual(3);
    if (firstVectorOnly >= 0) expect(firstVectorOnly).toBe(3);
  });
});

/**
 * A model's plumbing, with a fake vendor serving fixed vectors (not a real model): its vectors above
 * the floor are fused by RRF; below the floor (bge: 0.5) they are no list at all.
 */
describe("a model's vectors (a fake Workers AI serving fixed vectors)", () => {
  const { vendors, egress } = useFakeVendors();
  const harness = useWorker({ EMBEDDING_PROVIDER: "workers-ai" }, () => ({
    outbound: (request) => egress().outbound(request),
    workersAiStandIn: {
      script: workersAiStandInScript,
      bindings: { FAKE_WORKERS_AI_URL: vendors()["workers-ai"].baseURL },
    },
  }));
  const store = async (text: string, vector: number[]) => {
    vendors()["workers-ai"].script(embed([vector]));
    // Concepts given: no enrichment call in the background to take the vendor's scripted answer.
    const response = await harness.request("POST", "/api/memories", { text, core_concepts: ["travel"] });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const search = async (query: string, vector: number[]) => {
    vendors()["workers-ai"].script(embed([vector]));
    return (await harness.request("POST", "/api/memories/search", { query, limit: 5 })).body.results as {
      id: string;
      similarity: number;
    }[];
  };

  it("fuses a vector hit above the floor with the full-text hit, and leaves out one below it", async () => {
    const words = await store("The ferry to the island leaves at noon", basis(0));
    const meaning = await store("Boats depart for the isle at midday", mix(basis(1), basis(2), 0.8));
    const noise = await store("A recipe for lentil soup", basis(3));
    const found = await search("ferry timetable", mix(basis(1), basis(0), 0.9));
    const ids = found.map((row) => row.id);
    expect(ids).toContain(words);
    expect(ids).toContain(meaning);
    expect(ids).not.toContain(noise);
    // The same query whose vector is below the floor for every engram: full text alone, first.
    const weak = await search("ferry timetable", basis(4));
    expect(weak.map((row) => row.id)).toEqual([words]);
  });
});
