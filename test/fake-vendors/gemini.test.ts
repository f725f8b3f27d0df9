import {
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIError,
  GoogleGenerativeAIFetchError,
  type GenerativeModel,
} from "@google/generative-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  defaultEmbedding,
  embed,
  fail,
  hang,
  reply,
  stall,
  type FakeVendor,
} from "../support/fake-vendors/fake-vendor-server";
import { startFakeGemini } from "../support/fake-vendors/gemini";
import { readUntilStalled } from "./read-until-stalled";

const key = "gemini-test-key";
let fake: FakeVendor;
let model: GenerativeModel;
let embedder: GenerativeModel;

beforeAll(async () => {
  fake = await startFakeGemini();
  const genAI = new GoogleGenerativeAI(key);
  model = genAI.getGenerativeModel({ model: "gemini-2.0-flash" }, { baseUrl: fake.baseURL });
  embedder = genAI.getGenerativeModel({ model: "text-embedding-004" }, { baseUrl: fake.baseURL });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe("fake Gemini with @google/generative-ai", () => {
  it("answers generateContent with the scripted text and usage", async () => {
    fake.script(reply("Blue, mostly.", { usage: { inputTokens: 5, outputTokens: 4 } }));

    const { response } = await model.generateContent("What colour is the sky?");

    expect(response.text()).toBe("Blue, mostly.");
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 5, candidatesTokenCount: 4, totalTokenCount: 9 });
  });

  it("records the key in x-goog-api-key and the prompt in the body", async () => {
    await model.generateContent({
      systemInstruction: "Be brief.",
      contents: [{ role: "user", parts: [{ text: "Where is the key?" }] }],
    });

    const [request] = fake.requests;
    expect(request).toMatchObject({
      vendor: "gemini",
      method: "POST",
      path: "/v1beta/models/gemini-2.0-flash:generateContent",
      query: {},
      apiKey: key,
    });
    expect(request?.headers["x-goog-api-key"]).toBe(key);
    expect(request?.headers["x-goog-api-client"]).toBe("genai-js/0.24.1");
    expect(request?.headers["authorization"]).toBeUndefined();
    expect(request?.body).toMatchObject({ contents: [{ role: "user", parts: [{ text: "Where is the key?" }] }] });
  });

  it("echoes the last user message when nothing is scripted", async () => {
    const { response } = await model.generateContent("anyone there?");
    expect(response.text()).toBe("fake-gemini reply to: anyone there?");
  });

  it("streams the scripted chunks in order and aggregates the response and usage", async () => {
    fake.script(reply(["Once ", "upon ", "a time"], { usage: { inputTokens: 3, outputTokens: 3 } }));

    const result = await model.generateContentStream("Tell a story");
    const texts: string[] = [];
    for await (const chunk of result.stream) texts.push(chunk.text());
    const response = await result.response;

    expect(texts).toEqual(["Once ", "upon ", "a time"]);
    expect(response.text()).toBe("Once upon a time");
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 3, totalTokenCount: 6 });
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    expect(fake.requests[0]).toMatchObject({
      path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent",
      query: { alt: "sse" },
    });
  });

  it("writes each stream event as one data line ended by CRLF pairs", async () => {
    fake.script(reply(["x", "y"]));
    const response = await fetch(`${fake.baseURL}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "raw" }] }] }),
    });
    const body = await response.text();
    expect(body).toMatch(/^data: \{.*\}\r\n\r\ndata: \{.*\}\r\n\r\n$/);
  });

  it("returns the scripted vector from embedContent", async () => {
    fake.script(embed([[0.5, -0.5, 0.25]]));

    const result = await embedder.embedContent("embed me");

    expect(result.embedding.values).toEqual([0.5, -0.5, 0.25]);
    expect(fake.requests[0]).toMatchObject({
      path: "/v1beta/models/text-embedding-004:embedContent",
      body: { content: { parts: [{ text: "embed me" }] } },
    });
  });

  it("returns the scripted vectors from batchEmbedContents, in order", async () => {
    fake.script(
      embed([
        [1, 0],
        [0, 1],
      ]),
    );

    const result = await embedder.batchEmbedContents({
      requests: ["first", "second"].map((text) => ({ content: { role: "user", parts: [{ text }] } })),
    });

    expect(result.embeddings.map((item) => item.values)).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(fake.requests[0]?.body).toMatchObject({ requests: [{ model: "models/text-embedding-004" }, {}] });
  });

  it("embeds deterministically when nothing is scripted", async () => {
    const first = await embedder.embedContent("same text");
    const again = await embedder.embedContent("same text");
    const other = await embedder.embedContent("other text");

    expect(first.embedding.values).toEqual(defaultEmbedding("same text"));
    expect(again.embedding.values).toEqual(first.embedding.values);
    expect(other.embedding.values).not.toEqual(first.embedding.values);
  });

  it.each([
    [429, "RESOURCE_EXHAUSTED", "Too Many Requests"],
    [500, "INTERNAL", "Internal Server Error"],
    [401, "UNAUTHENTICATED", "Unauthorized"],
    [400, "INVALID_ARGUMENT", "Bad Request"],
  ] as const)("surfaces a scripted %i as GoogleGenerativeAIFetchError", async (status, rpcStatus, statusText) => {
    fake.script(fail(status, "scripted failure"));

    const error = await model.generateContent("x").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GoogleGenerativeAIFetchError);
    expect(error).toMatchObject({ status, statusText });
    expect((error as Error).message).toContain(`[${status} ${statusText}] scripted failure`);

    fake.script(fail(status));
    const raw = await fetch(`${fake.baseURL}/v1beta/models/gemini-2.0-flash:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ parts: [{ text: "raw" }] }] }),
    });
    expect(await raw.json()).toEqual({ error: { code: status, message: expect.any(String), status: rpcStatus } });
  });

  it("refuses an unknown key as Gemini does: 400 API_KEY_INVALID, which the SDK surfaces with its details", async () => {
    const strict = await startFakeGemini({ apiKey: "the-right-key" });
    try {
      const wrong = new GoogleGenerativeAI("a-wrong-key").getGenerativeModel(
        { model: "gemini-2.0-flash" },
        { baseUrl: strict.baseURL },
      );
      const error = await wrong.generateContent("x").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GoogleGenerativeAIFetchError);
      expect(error).toMatchObject({ status: 400, errorDetails: [{ reason: "API_KEY_INVALID" }] });
    } finally {
      await strict.close();
    }
  });

  it("lets a hanging call time out, and sees the connection closed", async () => {
    fake.script(hang());

    const error = await model.generateContent("x", { timeout: 200 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GoogleGenerativeAIAbortError);
    await fake.clientClosed(fake.requests[0]!);
  });

  it("stalls after the scripted chunks, and sees an abort mid-stream as a closed connection", async () => {
    fake.script(stall(["no ", "end"]));
    const controller = new AbortController();

    const result = await model.generateContentStream("x", { signal: controller.signal });
    // The aggregated response rejects on abort too; unobserved, that would be an unhandled rejection.
    const aggregate = result.response.catch((error: unknown) => error);
    const { items, waiting } = await readUntilStalled(result.stream);
    controller.abort();

    await fake.clientClosed(fake.requests[0]!);
    // SDK quirk: an abort after the headers is not a GoogleGenerativeAIAbortError but a generic read error.
    for (const error of [await waiting, await aggregate]) {
      expect(error).toBeInstanceOf(GoogleGenerativeAIError);
      expect(error).not.toBeInstanceOf(GoogleGenerativeAIAbortError);
      expect((error as Error).message).toBe("[GoogleGenerativeAI Error]: Error reading from the stream");
    }
    expect(items.map((chunk) => chunk.text())).toEqual(["no ", "end"]);
    expect(items.every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(true);
  });
});
