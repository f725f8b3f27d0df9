import { describe, expect, it } from "vitest";
import { cut, fail, hang, reply } from "../../support/fake-vendors";
import { parseSse } from "../../support/sse-events";
import { chatKeys, chatProviders, expectProviderError, useChatWorker } from "../../support/use-chat-worker";

/**
 * The chat's flows across providers: the fallback order, memory and the session in the prompt, the
 * egress, a stream's honest end, the SOS prototype's envelope. What each provider does on its own is
 * in provider-contract.ts, run for each by providers.test.ts.
 */
const { harness, vendors, egress, vendorsAsked } = useChatWorker();

describe("POST /api/chat, failures and fallback", () => {
  it("falls back in order on 429, 500 and a timeout, and says who answered", async () => {
    vendors().openai.script(fail(429));
    vendors().anthropic.script(fail(500));
    vendors().gemini.script(hang());
    const response = await harness.request("POST", "/api/chat", { message: "anyone there?" });
    expect(response.status, response.text).toBe(200);
    expect(response.body.provider).toBe("groq");
    expect(vendorsAsked()).toEqual(["openai", "anthropic", "gemini", "groq"]);
  });

  it("does not retry an auth error: a 502 naming the provider and the cause, without the key", async () => {
    vendors().openai.script(fail(401, `Incorrect API key provided: ${chatKeys.openai}`));
    const response = await harness.request("POST", "/api/chat", { message: "hi" });
    expectProviderError(response, "openai");
    expect(response.body.error.message).toMatch(/Incorrect API key/);
    expect(vendorsAsked()).toEqual(["openai"]);
  });

  it("keeps the user's message in the session when every model fails", async () => {
    for (const provider of chatProviders) vendors()[provider].script(fail(503));
    const response = await harness.request("POST", "/api/chat", {
      message: "remember me",
      session_id: "failing-session",
    });
    expect(response.status).toBe(502);
    const session = await harness.request("GET", "/api/sessions/failing-session");
    expect(session.status).toBe(200);
    expect(session.body.messages.map((message: { content: string }) => message.content)).toEqual(["remember me"]);
  });

  it("refuses a provider this worker has not configured, naming the field", async () => {
    const response = await harness.request("POST", "/api/chat", { message: "hi", provider: "skynet" });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe("provider");
  });

  it("reports a model error during a stream as an error event", async () => {
    for (const provider of chatProviders) vendors()[provider].script(fail(400, "model not found"));
    const response = await harness.request("POST", "/api/chat", { message: "x", stream: true });
    const events = parseSse(response.text);
    expect(events.map((event) => event.event)).toEqual(["start", "error"]);
    expect(events[1]!.data).toMatchObject({ code: "provider_error", partial: false });
    expect(events[1]!.data.message).toMatch(/openai/);
  });
});

describe("POST /api/chat, a stream's end", () => {
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

describe("POST /api/chat, memory and session in the loop", () => {
  it("puts recalled memories (delimited) and the session's history into the prompt, and stores the exchange", async () => {
    const stored = await harness.request("POST", "/api/memories", { text: "The owner's cat is called Miso." });
    expect(stored.status).toBe(201);

    const first = await harness.request("POST", "/api/chat", { message: "What is my cat called?", session_id: "loop" });
    expect(first.status).toBe(200);
    expect(first.body.memories).toContain(stored.body.id);
    const firstPrompt = JSON.stringify(vendors().openai.requests[0]!.body);
    expect(firstPrompt).toMatch(/<memories>.*Miso.*<\/memories>/);

    const second = await harness.request("POST", "/api/chat", { message: "And how old is she?", session_id: "loop" });
    expect(second.status).toBe(200);
    const messages = (vendors().openai.requests[1]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages.slice(1).map((message) => [message.role, message.content])).toEqual([
      ["user", "What is my cat called?"],
      ["assistant", first.body.reply],
      ["user", "And how old is she?"],
    ]);

    // The exchange is written in the background; it holds the user's words and the reply only.
    let engram: any;
    for (let attempt = 0; attempt < 50 && engram?.status !== 200; attempt++) {
      engram = await harness.request("GET", `/api/memories/${first.body.engram_id}`);
      if (engram.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(engram.status).toBe(200);
    expect(engram.body.text).toBe(`User: What is my cat called?\nTest Agent: ${first.body.reply}`);
    expect(engram.body.context_id).toBe("loop");
    expect(engram.body.text).not.toContain("<memories>");
  });

  it("sends each key only to its own vendor's host, and contacts no other host", async () => {
    for (const provider of chatProviders) {
      const response = await harness.request("POST", "/api/chat", { message: "hi", provider });
      expect(response.status).toBe(200);
    }
    expect(egress().hosts().sort()).toEqual(
      ["api.anthropic.com", "api.groq.com", "api.openai.com", "generativelanguage.googleapis.com"].sort(),
    );
    for (const entry of egress().log) {
      const credentials = `${entry.authorization ?? ""} ${entry.apiKeyHeader ?? ""}`;
      const own = {
        "api.openai.com": chatKeys.openai,
        "api.anthropic.com": chatKeys.anthropic,
        "generativelanguage.googleapis.com": chatKeys.gemini,
        "api.groq.com": chatKeys.groq,
      }[entry.host]!;
      expect(credentials).toContain(own);
      for (const other of Object.values(chatKeys).filter((key) => key !== own))
        expect(credentials).not.toContain(other);
    }
  });

  it("with every opt-in off, memory, state, session and privacy routes contact no host at all", async () => {
    const memory = await harness.request("POST", "/api/memories", { text: "kept at home" });
    await harness.request("POST", "/api/memories/search", { query: "home" });
    await harness.request("PATCH", `/api/memories/${memory.body.id}`, { importance: 0.9 });
    await harness.request("PATCH", "/api/state", { inner: { p: 0.8 } });
    await harness.request("GET", "/api/sessions");
    await harness.request("GET", "/api/export");
    await harness.request("POST", "/memory/store", { text: "prototype store" });
    await harness.request("POST", "/store", { agent: "test-agent", text: "mirror store" });
    expect(egress().log).toEqual([]);
  });

  it("answers the SOS prototype's POST /chat with its envelope", async () => {
    const response = await harness.request("POST", "/chat", { message: "hello prototype" });
    expect(response.status, response.text).toBe(200);
    const state = await harness.request("GET", "/api/state");
    expect(response.body).toEqual({
      success: true,
      response: "fake-openai reply to: hello prototype",
      agent: "test-agent",
      coherence: state.body.coherence,
    });
  });
});

describe("GET /api/providers", () => {
  it("lists the providers with whether each is configured", async () => {
    const response = await harness.request("GET", "/api/providers");
    expect(response.status).toBe(200);
    expect(
      response.body.providers.map((entry: { name: string; configured: boolean }) => [entry.name, entry.configured]),
    ).toEqual([
      ["workers-ai", true],
      ["openai", true],
      ["anthropic", true],
      ["gemini", true],
      ["groq", true],
    ]);
  });
});
