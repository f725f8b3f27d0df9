import { beforeEach, describe, expect, it } from "vitest";
import {
  fail,
  hang,
  reply,
  startFakeVendors,
  workersAiStandInScript,
  type FakeVendors,
  type VendorName,
} from "../support/fake-vendors";
import { useFakeVendors } from "../support/use-fake-vendors";
import { useWorker } from "../support/worker-harness";
import { parseSse } from "../support/sse-events";

const keys = {
  openai: "sk-openai-test-key-000001",
  anthropic: "sk-ant-test-key-000002",
  gemini: "AIza-gemini-test-key-000003",
  groq: "gsk_groq_test_key_000004",
};

const { vendors, egress } = useFakeVendors();

const harness = useWorker(
  {
    LLM_PROVIDER: "openai",
    LLM_FALLBACK: "anthropic,gemini,groq,workers-ai",
    LLM_TIMEOUT_SECONDS: "2",
    // Memory calls no model here (memory-*.test.ts covers embeddings and enrichment with fake vendors),
    // so each vendor's requests and scripts are the chat's own.
    EMBEDDING_PROVIDER: "hash",
    OPENAI_API_KEY: keys.openai,
    ANTHROPIC_API_KEY: keys.anthropic,
    GEMINI_API_KEY: keys.gemini,
    GROQ_API_KEY: keys.groq,
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

describe("POST /api/chat, each provider", () => {
  for (const provider of providers) {
    it(`${provider}: answers in one piece, naming the provider and model`, async () => {
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

    it(`${provider}: streams tokens, then a done event`, async () => {
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
  }
});

describe("POST /api/chat, each provider's errors", () => {
  for (const provider of providers) {
    it(`${provider}: a refused request is a 502 naming ${provider}, never retried elsewhere`, async () => {
      vendors()[provider].script(fail(400, "this model does not exist"));
      const response = await harness.request("POST", "/api/chat", { message: "hi", provider });
      expect(response.status, response.text).toBe(502);
      expect(response.body.error.code).toBe("provider_error");
      expect(response.body.error.message).toContain(`${provider}:`);
      for (const key of Object.values(keys)) expect(response.text).not.toContain(key);
      expect(
        vendors()
          .requests()
          .map((request) => request.vendor),
      ).toEqual([provider]);
    });

    it(`${provider}: a rate limit moves on to the next provider`, async () => {
      vendors()[provider].script(fail(429));
      const response = await harness.request("POST", "/api/chat", { message: "hi", provider });
      expect(response.status, response.text).toBe(200);
      expect(response.body.provider).not.toBe(provider);
      expect(vendors().requests()[0]!.vendor).toBe(provider);
    });
  }
});

describe("POST /api/chat, failures and fallback", () => {
  it("falls back in order on 429, 500 and a timeout, and says who answered", async () => {
    vendors().openai.script(fail(429));
    vendors().anthropic.script(fail(500));
    vendors().gemini.script(hang());
    const response = await harness.request("POST", "/api/chat", { message: "anyone there?" });
    expect(response.status, response.text).toBe(200);
    expect(response.body.provider).toBe("groq");
    expect(
      vendors()
        .requests()
        .map((request) => request.vendor),
    ).toEqual(["openai", "anthropic", "gemini", "groq"]);
  });

  it("does not retry an auth error: a 502 naming the provider and the cause, without the key", async () => {
    vendors().openai.script(fail(401, `Incorrect API key provided: ${keys.openai}`));
    const response = await harness.request("POST", "/api/chat", { message: "hi" });
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe("provider_error");
    expect(response.body.error.message).toMatch(/openai/);
    expect(response.body.error.message).toMatch(/Incorrect API key/);
    expect(response.text).not.toContain(keys.openai);
    expect(
      vendors()
        .requests()
        .map((request) => request.vendor),
    ).toEqual(["openai"]);
  });

  it("keeps the user's message in the session when every model fails", async () => {
    for (const provider of providers) vendors()[provider].script(fail(503));
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
    for (const provider of providers) vendors()[provider].script(fail(400, "model not found"));
    const response = await harness.request("POST", "/api/chat", { message: "x", stream: true });
    const events = parseSse(response.text);
    expect(events.map((event) => event.event)).toEqual(["start", "error"]);
    expect(events[1]!.data).toMatchObject({ code: "provider_error", partial: false });
    expect(events[1]!.data.message).toMatch(/openai/);
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
    for (const provider of providers) {
      const response = await harness.request("POST", "/api/chat", { message: "hi", provider });
      expect(response.status).toBe(200);
    }
    expect(egress().hosts().sort()).toEqual(
      ["api.anthropic.com", "api.groq.com", "api.openai.com", "generativelanguage.googleapis.com"].sort(),
    );
    for (const entry of egress().log) {
      const credentials = `${entry.authorization ?? ""} ${entry.apiKeyHeader ?? ""}`;
      const own = {
        "api.openai.com": keys.openai,
        "api.anthropic.com": keys.anthropic,
        "generativelanguage.googleapis.com": keys.gemini,
        "api.groq.com": keys.groq,
      }[entry.host]!;
      expect(credentials).toContain(own);
      for (const other of Object.values(keys).filter((key) => key !== own)) expect(credentials).not.toContain(other);
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
