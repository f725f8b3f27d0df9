import { describe, expect, it } from "vitest";
import { cut, drop, fail, reply, type VendorName } from "../../support/fake-vendors";
import { parseSse } from "../../support/sse-events";
import { expectProviderError, type ChatWorker } from "../../support/use-chat-worker";

/**
 * What POST /api/chat does with one provider, whichever SDK and wire format it speaks: an answer in
 * one piece, a stream ended by `done`, a refusal answered as a 502 naming it (never retried
 * elsewhere), a rate limit handed on to the next provider, and a stream that ends without the
 * vendor's own finish signal (closed cleanly or reset mid-answer) ended with an `error` event, the
 * partial answer stored, marked interrupted.
 */
export function describeProviderContract(provider: VendorName, chat: ChatWorker): void {
  const { harness, vendors, vendorsAsked } = chat;

  describe(`POST /api/chat through ${provider}`, () => {
    it("answers in one piece, naming the provider and model", async () => {
      const response = await harness.request("POST", "/api/chat", { message: `hello ${provider}`, provider });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({
        reply: `fake-${provider} reply to: hello ${provider}`,
        provider,
        session_id: expect.any(String),
        engram_id: expect.any(String),
        usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
      });
      expect(response.body.model).toEqual(expect.any(String));
      expect(vendors()[provider].requests).toHaveLength(1);
    });

    it("streams tokens, then a done event", async () => {
      vendors()[provider].script(reply(["Hel", "lo ", "there"], { usage: { inputTokens: 7, outputTokens: 3 } }));
      const response = await harness.request("POST", "/api/chat", { message: "stream please", provider, stream: true });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      const events = parseSse(response.text);
      const tokens = events.filter((event) => event.event === "token").map((event) => event.data.text);
      expect(tokens.join("")).toBe("Hello there");
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      const done = events.at(-1)!;
      expect(done.event).toBe("done");
      expect(done.data).toMatchObject({ provider, usage: { input_tokens: 7, output_tokens: 3 } });
    });

    it(`a refused request is a 502 naming ${provider}, never retried elsewhere`, async () => {
      vendors()[provider].script(fail(400, "this model does not exist"));
      const response = await harness.request("POST", "/api/chat", { message: "hi", provider });
      expectProviderError(response, provider);
      expect(vendorsAsked()).toEqual([provider]);
    });

    it("a rate limit moves on to the next provider", async () => {
      vendors()[provider].script(fail(429));
      const response = await harness.request("POST", "/api/chat", { message: "hi", provider });
      expect(response.status, response.text).toBe(200);
      expect(response.body.provider).not.toBe(provider);
      expect(vendorsAsked()[0]).toBe(provider);
    });

    for (const [how, behaviour] of [
      ["closes cleanly", cut],
      ["resets the connection", drop],
    ] as const) {
      it(`when the server ${how} mid-answer, the stream ends with an error, the partial answer kept as interrupted`, async () => {
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
  });
}
