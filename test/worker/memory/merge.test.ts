import { describe, expect, it } from "vitest";
import { embeddingText, sameWords } from "../../../worker/memory/near-duplicate";
import { useWorker } from "../../support/worker-harness";

const harness = useWorker();

/** A long reply the agent gave to every one of the exchanges below. */
const reply =
  "Thank you for telling me, I will remember it. Is there anything else you would like me to keep in mind " +
  "for later, or anything I can help you plan today? I am always happy to help with reminders and ideas.";

const facts = [
  "I wrote a haiku about the autumn rain",
  "I am allergic to penicillin",
  "My birthday is on the ninth of March",
  "My cat is called Tofu",
  "I play the bassoon in a community orchestra",
  "My favourite colour is ochre",
  "I grew up in Valparaiso",
  "I drive a green Volvo estate",
  "My daughter studies marine biology",
  "I take my coffee with cardamom",
];
const keyWords = [
  "haiku",
  "penicillin",
  "birthday",
  "Tofu",
  "bassoon",
  "ochre",
  "Valparaiso",
  "Volvo",
  "marine",
  "cardamom",
];

describe("merges that lose nothing", () => {
  it("ten chat exchanges with the same long reply and different user facts stay ten findable memories", async () => {
    const ids: string[] = [];
    for (const fact of facts) {
      const stored = await harness.request("POST", "/api/memories", { text: `User: ${fact}\nTest Agent: ${reply}` });
      expect(stored.status, fact).toBe(201);
      ids.push(stored.body.id);
    }
    expect(new Set(ids).size).toBe(10);
    for (const [index, word] of keyWords.entries()) {
      const found = await harness.request("POST", "/api/memories/search", { query: `what about ${word}?`, limit: 3 });
      expect(found.body.results[0].id, word).toBe(ids[index]);
    }
  });

  it("the same exchange stored again merges (one more reference); one with a new word does not", async () => {
    const text = `User: ${facts[0]}\nTest Agent: ${reply}`;
    const again = await harness.request("POST", "/api/memories", { text });
    expect(again.status).toBe(200);
    expect(again.body.ref_count).toBe(2);
    const changed = await harness.request("POST", "/api/memories", {
      text: `User: ${facts[0]} yesterday\nTest Agent: ${reply}`,
    });
    expect(changed.status).toBe(201);
  });

  it("an exchange is embedded by the user's words; other texts whole", () => {
    expect(embeddingText(`User: ${facts[1]}\nTest Agent: ${reply}`, "Test Agent")).toBe(facts[1]);
    expect(embeddingText("User: two\nlines\nTest Agent: ok", "Test Agent")).toBe("two\nlines");
    expect(embeddingText("A plain memory", "Test Agent")).toBe("A plain memory");
    expect(embeddingText(`User: ${facts[1]}\nOther: ${reply}`, "Test Agent")).toBe(
      `User: ${facts[1]}\nOther: ${reply}`,
    );
  });

  it("a near-duplicate in words holds no word the engram lacks, and most of its words", () => {
    expect(sameWords("River remembers the lighthouse!", "River remembers the lighthouse")).toBe(true);
    expect(sameWords("River does not remember the lighthouse", "River remembers the lighthouse")).toBe(false);
    expect(sameWords("Dentist at 9:45", "Dentist at 9:30")).toBe(false);
    expect(sameWords("lighthouse", "River remembers the lighthouse by the sea at night")).toBe(false);
  });
});
