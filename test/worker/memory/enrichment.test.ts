import { beforeEach, describe, expect, it } from "vitest";
import { embed, fail, reply } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { useWorker } from "../../support/worker-harness";
import { basis, waitFor } from "../../support/memory-vectors";

/**
 * Enrichment by the embedding provider's model (OpenAI here, faked). Each store makes one embeddings
 * call and then, in the background, up to two generate calls; the scripts follow that order.
 */
const { vendors, egress } = useFakeVendors();

const harness = useWorker(
  { EMBEDDING_PROVIDER: "openai", OPENAI_API_KEY: "sk-enrichment-test-0001", LLM_PROVIDER: "openai" },
  () => ({ outbound: (request) => egress().outbound(request) }),
);

beforeEach(() => {
  vendors().reset();
});

const generateCalls = () => vendors().openai.requests.filter((request) => request.path === "/v1/chat/completions");

/** Waits until the background work of the last store has answered `count` generate calls. */
async function settled(count: number) {
  await waitFor(
    async () => generateCalls().length >= count && vendors().openai.requests.every((r) => r.outcome !== "open"),
    `${count} enrichment call(s)`,
  );
  // The write after the last answer.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

async function engram(id: string) {
  return (await harness.request("GET", `/api/memories/${id}`)).body;
}

const extraction = {
  epistemic_truths: ["The user's sister lives in Lisbon"],
  core_concepts: ["sister", "Lisbon"],
  affective_vibe: "Warm",
  importance: 0.8,
};

describe("enrichment after a store without truths and concepts", () => {
  it("stores the model's valid JSON: truths, concepts, vibe and importance", async () => {
    vendors().openai.script(embed([basis(0)]), reply("```json\n" + JSON.stringify(extraction) + "\n```"));
    const stored = await harness.request("POST", "/api/memories", { text: "My sister moved to Lisbon last spring." });
    expect(stored.status).toBe(201);
    await settled(1);
    expect(await engram(stored.body.id)).toMatchObject({
      text: "My sister moved to Lisbon last spring.",
      ...extraction,
    });

    // The model read the engram's text and nothing else.
    const body = generateCalls()[0]!.body as { messages: { role: string; content: string }[] };
    expect(body.messages.map((message) => message.role)).toEqual(["system", "user"]);
    expect(body.messages[1]!.content).toBe("<memory>\nMy sister moved to Lisbon last spring.\n</memory>");

    // The concepts are searchable as full text.
    vendors().openai.script(embed([basis(7)]));
    const found = await harness.request("POST", "/api/memories/search", { query: "Lisbon" });
    expect(found.body.results.map((result: { id: string }) => result.id)).toEqual([stored.body.id]);
  });

  it("keeps the importance and vibe the store gave", async () => {
    vendors().openai.script(embed([basis(1)]), reply(JSON.stringify(extraction)));
    const stored = await harness.request("POST", "/api/memories", {
      text: "Lunch with the team on Friday.",
      importance: 0.2,
      affective_vibe: "Relaxed",
    });
    await settled(1);
    expect(await engram(stored.body.id)).toMatchObject({
      importance: 0.2,
      affective_vibe: "Relaxed",
      core_concepts: extraction.core_concepts,
    });
  });

  it("leaves the engram as it was after invalid JSON, tried twice and no more", async () => {
    vendors().openai.script(
      embed([basis(2)]),
      reply("Sure! Here are the facts you wanted."),
      reply('{"core_concepts": "x"}'),
    );
    const stored = await harness.request("POST", "/api/memories", { text: "The boiler was serviced in March." });
    await settled(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(generateCalls()).toHaveLength(2);
    expect(await engram(stored.body.id)).toEqual(stored.body);
  });

  it("leaves the engram as it was after vendor errors, tried twice and no more", async () => {
    vendors().openai.script(embed([basis(3)]), fail(500), fail(429));
    const stored = await harness.request("POST", "/api/memories", { text: "Car insurance renews in June." });
    await settled(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(generateCalls()).toHaveLength(2);
    expect(await engram(stored.body.id)).toEqual(stored.body);
  });

  it("does not run when the store brought concepts or truths", async () => {
    vendors().openai.script(embed([basis(4)]));
    await harness.request("POST", "/api/memories", { text: "Plants need water.", epistemic_truths: ["they do"] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(generateCalls()).toHaveLength(0);
  });

  it("runs after the prototype's and Mirror's stores too", async () => {
    vendors().openai.script(embed([basis(5)]), reply(JSON.stringify(extraction)));
    const sos = await harness.request("POST", "/memory/store", { text: "Prototype-style memory about Lisbon trips." });
    await settled(1);
    const row = await (
      await harness.d1()
    )
      .prepare("SELECT core_concepts, affective_vibe FROM engrams WHERE id = ?")
      .bind(sos.body.id)
      .first();
    expect(row).toEqual({ core_concepts: '["sister","Lisbon"]', affective_vibe: "Warm" });

    vendors().reset();
    vendors().openai.script(embed([basis(6)]), reply(JSON.stringify(extraction)));
    await harness.request("POST", "/store", { agent: "river", context_id: "m-1", text: "Mirror-style memory." });
    await settled(1);
    const mirror = await (
      await harness.d1()
    )
      .prepare("SELECT core_concepts, affective_vibe FROM engrams WHERE context_id = 'm-1'")
      .first();
    expect(mirror).toEqual({ core_concepts: '["sister","Lisbon"]', affective_vibe: "Warm" });
  });
});

describe("enrichment after a chat exchange", () => {
  it("enriches the stored exchange from the exchange alone", async () => {
    vendors().openai.script(
      embed([basis(7)]), // the message, for recall
      reply("Lisbon is lovely in spring."), // the chat's answer
      embed([[0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0]]), // the exchange, stored
      reply(JSON.stringify(extraction)), // its enrichment
    );
    const chat = await harness.request("POST", "/api/chat", {
      message: "Where does my sister live?",
      session_id: "s1",
    });
    expect(chat.status, chat.text).toBe(200);
    await settled(2);
    const stored = await waitFor(async () => {
      const row = await engram(chat.body.engram_id);
      return row.core_concepts?.length ? row : undefined;
    }, "the exchange to be enriched");
    expect(stored).toMatchObject({
      text: "User: Where does my sister live?\nTest Agent: Lisbon is lovely in spring.",
      context_id: "s1",
      ...extraction,
    });
    const enrichmentCall = generateCalls()[1]!.body as { messages: { content: string }[] };
    expect(enrichmentCall.messages[1]!.content).toBe(
      "<memory>\nUser: Where does my sister live?\nTest Agent: Lisbon is lovely in spring.\n</memory>",
    );
    // Neither the chat's system prompt nor the recalled memories reach the enrichment.
    expect(JSON.stringify(enrichmentCall)).not.toContain("<memories>");
    expect(JSON.stringify(enrichmentCall)).not.toContain("My sister moved to Lisbon");
  });
});
