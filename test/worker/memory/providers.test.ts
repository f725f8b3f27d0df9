import { describe, expect, it } from "vitest";
import { embed, workersAiStandInScript } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { useWorker } from "../../support/worker-harness";
import { basis, mix, vectorRows } from "../../support/memory-vectors";

/** Each embedding provider stores its vectors under its model's name; without one, the hashing embedding. */
const { vendors, egress } = useFakeVendors();

type Harness = ReturnType<typeof useWorker>;

async function storeAndFind(harness: Harness, script: (vector: number[]) => void) {
  script(basis(0));
  const stored = await harness.request("POST", "/api/memories", {
    text: "The cat is called Miso.",
    core_concepts: ["cat"],
  });
  expect(stored.status, stored.text).toBe(201);
  script(mix(basis(0), basis(1), 0.9));
  const found = await harness.request("POST", "/api/memories/search", { query: "feline name" });
  expect(found.status).toBe(200);
  return { stored, found };
}

describe("EMBEDDING_PROVIDER=workers-ai (the AI binding)", () => {
  const harness = useWorker({ EMBEDDING_PROVIDER: "workers-ai" }, () => ({
    outbound: (request) => egress().outbound(request),
    workersAiStandIn: {
      script: workersAiStandInScript,
      bindings: { FAKE_WORKERS_AI_URL: vendors()["workers-ai"].baseURL },
    },
  }));

  it("embeds with @cf/baai/bge-base-en-v1.5 through the binding, contacting no host", async () => {
    egress().reset();
    const { stored, found } = await storeAndFind(harness, (vector) => vendors()["workers-ai"].script(embed([vector])));
    expect(found.body.embedding_model).toBe("@cf/baai/bge-base-en-v1.5");
    expect(found.body.results.map((result: { id: string }) => result.id)).toEqual([stored.body.id]);
    expect((await vectorRows(await harness.d1()))[0]).toMatchObject({ model: "@cf/baai/bge-base-en-v1.5", dims: 8 });
    const calls = vendors()["workers-ai"].requests.map(
      (request) => request.body as { model: string; inputs: { text?: string[] } },
    );
    expect(calls[0]).toEqual({ model: "@cf/baai/bge-base-en-v1.5", inputs: { text: ["The cat is called Miso."] } });
    expect(egress().log).toEqual([]);
  });
});

describe("EMBEDDING_PROVIDER=gemini", () => {
  const harness = useWorker({ EMBEDDING_PROVIDER: "gemini", GEMINI_API_KEY: "AIza-memory-test-0001" }, () => ({
    outbound: (request) => egress().outbound(request),
  }));

  it("embeds with gemini-embedding-001, the key to Gemini only", async () => {
    egress().reset();
    const { stored, found } = await storeAndFind(harness, (vector) => vendors().gemini.script(embed([vector])));
    expect(found.body.embedding_model).toBe("gemini-embedding-001");
    expect(found.body.results.map((result: { id: string }) => result.id)).toEqual([stored.body.id]);
    expect((await vectorRows(await harness.d1()))[0]).toMatchObject({ model: "gemini-embedding-001", dims: 8 });
    expect(egress().hosts()).toEqual(["generativelanguage.googleapis.com"]);
  });
});

describe("no embedding provider reachable (a local run without keys)", () => {
  const harness = useWorker({ EMBEDDING_PROVIDER: "workers-ai" }, () => ({
    outbound: (request) => egress().outbound(request),
  }));

  it("uses the built-in hashing embedding, labelled sos-hash-v1, and contacts no host", async () => {
    egress().reset();
    const stored = await harness.request("POST", "/api/memories", { text: "Drinks green tea every morning" });
    const found = await harness.request("POST", "/api/memories/search", { query: "drinking tea" });
    expect(found.body.embedding_model).toBe("sos-hash-v1");
    expect(found.body.results[0]).toMatchObject({ id: stored.body.id });
    expect(found.body.results[0].similarity).toBeGreaterThan(0.2);
    expect((await vectorRows(await harness.d1()))[0]).toMatchObject({
      model: "sos-hash-v1",
      dims: 512,
      bits_bytes: 64,
      q8_bytes: 512,
    });
    expect(egress().log).toEqual([]);
  });
});
