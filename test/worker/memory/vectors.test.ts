import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embed, fail } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { useWorker } from "../../support/worker-harness";
import { basis, mix, vectorRows, waitFor } from "../../support/memory-vectors";

/**
 * Vector recall with a real embedding provider: OpenAI's SDK against the fake OpenAI server, which
 * answers each embeddings call with the vectors scripted here, so cosines are chosen exactly.
 * Stores carry core_concepts, so no enrichment call takes a script meant for an embedding.
 */
const key = "sk-openai-memory-test-0001";
const { vendors, egress } = useFakeVendors();

const harness = useWorker({ EMBEDDING_PROVIDER: "openai", OPENAI_API_KEY: key, LLM_PROVIDER: "openai" }, () => ({
  outbound: (request) => egress().outbound(request),
}));

beforeEach(() => {
  vendors().reset();
});

async function store(text: string, vector: number[], extra: Record<string, unknown> = {}) {
  vendors().openai.script(embed([vector]));
  const response = await harness.request("POST", "/api/memories", { text, core_concepts: ["test"], ...extra });
  expect([200, 201], response.text).toContain(response.status);
  return response;
}

async function search(query: string, vector: number[], extra: Record<string, unknown> = {}) {
  vendors().openai.script(embed([vector]));
  const response = await harness.request("POST", "/api/memories/search", { query, ...extra });
  expect(response.status, response.text).toBe(200);
  return response.body as {
    results: { id: string; text: string; similarity: number | null; score: number }[];
    embedding_model: string;
  };
}

const ids: Record<string, string> = {};

describe("hybrid recall with an embedding model", () => {
  beforeAll(async () => {
    ids.cat = (await store("The owner's cat is called Miso.", basis(0))).body.id;
    ids.taxes = (await store("Quarterly taxes are due in April.", basis(1))).body.id;
    ids.wifi = (await store("The guest wifi password is XJ9QQ7.", basis(2))).body.id;
  });

  it("finds a paraphrase that shares no word with the query, by its vector", async () => {
    const found = await search("What name did we give the feline?", mix(basis(0), basis(3), 0.95));
    expect(found.embedding_model).toBe("text-embedding-3-small");
    expect(found.results.map((result) => result.id)).toEqual([ids.cat]);
    expect(found.results[0]!.similarity).toBeCloseTo(0.95, 2);
  });

  it("finds an exact rare term by full text, whatever the vectors say", async () => {
    const found = await search("XJ9QQ7", basis(5));
    expect(found.results.map((result) => result.id)).toEqual([ids.wifi]);
    expect(found.results[0]!.similarity).toBe(0);
  });

  it("keeps both when fused: the paraphrase by vector and the rare term by full text", async () => {
    const found = await search("feline XJ9QQ7", mix(basis(0), basis(3), 0.95));
    expect(found.results.map((result) => result.id).sort()).toEqual([ids.cat, ids.wifi].sort());
  });

  it("leaves out vector matches below the model's similarity threshold", async () => {
    const found = await search("something else entirely", mix(basis(1), basis(6), 0.2));
    expect(found.results).toEqual([]);
  });

  it("stores each vector compactly under its model's name", async () => {
    const rows = await vectorRows(await harness.d1());
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row).toMatchObject({ model: "text-embedding-3-small", dims: 8, bits_bytes: 4, q8_bytes: 8 });
    }
  });
});

describe("near-duplicates", () => {
  it("merge at cosine 0.92 or more and the same words (ref_count and importance raised), and insert otherwise", async () => {
    const first = await store("Dentist appointment on Tuesday at nine.", basis(4));
    expect(first.status).toBe(201);

    // At 0.93 but with words the engram lacks ("9am"): merging would lose them, so it is stored.
    const paraphrase = await store("The dentist appointment is Tuesday, 9am.", mix(basis(4), basis(6), 0.93));
    expect(paraphrase.status).toBe(201);
    expect(paraphrase.body.id).not.toBe(first.body.id);

    const again = await store("dentist appointment on Tuesday at nine!", mix(basis(4), basis(6), 0.93), {
      core_concepts: ["dentist"],
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: first.body.id,
      text: "Dentist appointment on Tuesday at nine.",
      ref_count: 2,
      core_concepts: ["test", "dentist"],
    });
    expect(again.body.importance).toBeCloseTo(0.55, 10);
    expect(again.body.updated_at > first.body.updated_at).toBe(true);
    expect(again.body.accessed_at).toBe(again.body.updated_at);

    const different = await store("Dentist appointment on Tuesday at nine.", mix(basis(4), basis(6), 0.91));
    expect(different.status).toBe(201);
    expect(different.body.id).not.toBe(first.body.id);
    expect(different.body.ref_count).toBe(1);
  });
});

describe("embedding failures", () => {
  it("store the engram without a vector, found by full text, and embed it again in the background", async () => {
    vendors().openai.script(fail(500));
    const response = await harness.request("POST", "/api/memories", {
      text: "Parcel locker code 4471",
      core_concepts: ["x"],
    });
    expect(response.status).toBe(201);
    // The background upkeep embeds it (the fake's default vector this time).
    await waitFor(
      async () =>
        (await vectorRows(await harness.d1())).find((row) => row.engram_id === response.body.id)?.model ===
        "text-embedding-3-small",
      "the failed engram to be embedded again",
    );
  });

  it("answers a search by full text when the query cannot be embedded", async () => {
    vendors().openai.script(fail(503));
    const response = await harness.request("POST", "/api/memories/search", { query: "parcel locker" });
    expect(response.status).toBe(200);
    expect(response.body.results.map((result: { text: string }) => result.text)).toEqual(["Parcel locker code 4471"]);
  });
});

describe("egress", () => {
  it("sends the text to the embedding provider only, with its own key", () => {
    expect(egress().hosts()).toEqual(["api.openai.com"]);
    for (const entry of egress().log) {
      expect(entry.path).toBe("/v1/embeddings");
      expect(entry.authorization).toBe(`Bearer ${key}`);
    }
  });
});
