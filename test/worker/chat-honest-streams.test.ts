import { beforeEach, describe, expect, it } from "vitest";
import { cut, drop, reply, workersAiStandInScript, type VendorName } from "../support/fake-vendors";
import { useFakeVendors } from "../support/use-fake-vendors";
import { useWorker } from "../support/worker-harness";
import { parseSse } from "../support/sse-events";

/**
 * A stream is `done` only after the vendor's own finish signal. Each provider's SDK is driven
 * against its fake vendor, which either closes the stream cleanly mid-answer (no finish reason,
 * no final event, no `[DONE]`) or resets the connection: both end the answer with an `error` event,
 * and the partial answer is stored, marked interrupted.
 */
const { vendors, egress } = useFakeVendors();

const harness = useWorker(
  {
    LLM_PROVIDER: "openai",
    LLM_FALLBACK: "anthropic",
    LLM_TIMEOUT_SECONDS: "3",
    EMBEDDING_PROVIDER: "hash",
    OPENAI_API_KEY: "sk-openai-honest-0001",
    ANTHROPIC_API_KEY: "sk-ant-honest-0002",
    GEMINI_API_KEY: "AIza-honest-0003",
    GROQ_API_KEY: "gsk_honest_0004",
  },
  () => ({
    outbound: (request) => egress().outbound(request),
    workersAiStandIn: {
      script: workersAiStandInScript,
      bindings: { FAKE_WORKERS_AI_URL: vendors()["workers-ai"].baseURL },
    },
  }),
);

beforeEach(() => {
  vendors().reset();
  egress().reset();
});

const providers: VendorName[] = ["openai", "anthropic", "gemini", "groq", "workers-ai"];

describe("a stream that ends without the provider's finish signal", () => {
  for (const provider of providers) {
    for (const [how, behaviour] of [
      ["closes cleanly", cut],
      ["resets the connection", drop],
    ] as const) {
      it(`${provider}: when the server ${how} mid-answer, the stream ends with an error, the partial answer kept as interrupted`, async () => {
        vendors()[provider].script(behaviour(["The first half ", "of an answer"]));
        const session = `honest-${provider}-${how.split(" ")[0]}`;
        const response = await harness.request("POST", "/api/chat", {
          message: "tell me everything",
          provider,
          session_id: session,
          stream: true,
        });
        expect(response.status).toBe(200);
        const events = parseSse(response.text);
        const names = events.map((event) => event.event);
        expect(names).not.toContain("done");
        expect(names.at(-1)).toBe("error");
        expect(
          events
            .filter((event) => event.event === "token")
            .map((event) => event.data.text)
            .join(""),
        ).toBe("The first half of an answer");
        const error = events.at(-1)!.data;
        expect(error).toMatchObject({ code: "provider_error", partial: true, session_id: session });
        expect(error.message).toContain(`${provider}:`);

        const stored = await harness.request("GET", `/api/conversations/${session}`);
        expect(stored.status).toBe(200);
        const answer = stored.body.messages.at(-1);
        expect(answer).toMatchObject({
          id: error.message_id,
          role: "assistant",
          content: "The first half of an answer",
          status: "interrupted",
          error: { code: "provider_error" },
        });
        // Nothing half-said is remembered.
        expect(answer.engram_id).toBeNull();
      });
    }
  }

  it("before any token, the next provider is tried instead", async () => {
    vendors().openai.script(cut([]));
    vendors().anthropic.script(reply("A whole answer."));
    const response = await harness.request("POST", "/api/chat", {
      message: "anyone?",
      stream: true,
      session_id: "honest-fallback",
    });
    const events = parseSse(response.text);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { provider: "anthropic", finish_reason: "stop" } });
  });

  it("a whole answer still ends with done, stored as complete", async () => {
    vendors().openai.script(reply(["All ", "of it."]));
    const response = await harness.request("POST", "/api/chat", {
      message: "short answer please",
      stream: true,
      session_id: "honest-whole",
    });
    const events = parseSse(response.text);
    expect(events.map((event) => event.event)).toEqual(["start", "token", "token", "done"]);
    const stored = await harness.request("GET", "/api/conversations/honest-whole");
    expect(stored.body.messages.map((message: any) => [message.role, message.content, message.status])).toEqual([
      ["user", "short answer please", "complete"],
      ["assistant", "All of it.", "complete"],
    ]);
  });
});
