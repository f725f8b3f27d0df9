import {
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIError,
  GoogleGenerativeAIFetchError,
  type GenerateContentResponse,
} from "@google/generative-ai";
import { describe, expect, it } from "vitest";
import { defaultEmbedding, embed, fail, reply, stall } from "../support/fake-vendors/fake-vendor-server";
import { startFakeGemini } from "../support/fake-vendors/gemini";
import { describeVendorContract, eventsOf, timeoutOption, type VendorUnderTest } from "./contract";
import { abortWhenStalled } from "./read-until-stalled";
import { useFakeVendor } from "./use-fake-vendor";

const key = "gemini-test-key";
const model = "gemini-2.0-flash";
const { fake, client: models } = useFakeVendor(startFakeGemini, (started) => {
  const genAI = new GoogleGenerativeAI(key);
  return {
    chat: genAI.getGenerativeModel({ model }, { baseUrl: started.baseURL }),
    embedder: genAI.getGenerativeModel({ model: "text-embedding-004" }, { baseUrl: started.baseURL }),
  };
});

/** The HTTP status text and google.rpc status name of each scripted status. */
const statusNames: Record<number, { statusText: string; rpcStatus: string }> = {
  400: { statusText: "Bad Request", rpcStatus: "INVALID_ARGUMENT" },
  401: { statusText: "Unauthorized", rpcStatus: "UNAUTHENTICATED" },
  429: { statusText: "Too Many Requests", rpcStatus: "RESOURCE_EXHAUSTED" },
  500: { statusText: "Internal Server Error", rpcStatus: "INTERNAL" },
};

// The REST response names the model in `modelVersion`, which the SDK's types leave out.
const modelVersion = (response: GenerateContentResponse) =>
  (response as GenerateContentResponse & { modelVersion?: string }).modelVersion;

const gemini: VendorUnderTest = {
  vendor: "gemini",
  key,
  model,
  fake,
  async complete(prompt, { system, timeoutMs } = {}) {
    const request =
      system === undefined
        ? prompt
        : { systemInstruction: system, contents: [{ role: "user", parts: [{ text: prompt }] }] };
    const { response } = await models().chat.generateContent(request, timeoutOption(timeoutMs));
    return {
      text: response.text(),
      finishReason: response.candidates?.[0]?.finishReason,
      usage: response.usageMetadata,
      model: modelVersion(response),
    };
  },
  async stream(prompt) {
    const result = await models().chat.generateContentStream(prompt);
    const deltas: string[] = [];
    for await (const chunk of result.stream) deltas.push(chunk.text());
    const response = await result.response;
    return {
      deltas,
      text: response.text(),
      finishReason: response.candidates?.[0]?.finishReason,
      usage: response.usageMetadata,
    };
  },
  async open(prompt, signal) {
    const result = await models().chat.generateContentStream(prompt, { signal });
    // The aggregated response rejects on abort too; unobserved, that would be an unhandled rejection.
    result.response.catch(() => undefined);
    return eventsOf(result.stream, (chunk) => ({
      text: chunk.text(),
      ends: chunk.candidates?.[0]?.finishReason !== undefined || chunk.usageMetadata !== undefined,
    }));
  },
  finishReason: "STOP",
  usage: ({ inputTokens, outputTokens }) => ({
    promptTokenCount: inputTokens,
    candidatesTokenCount: outputTokens,
    totalTokenCount: inputTokens + outputTokens,
  }),
  completeRequest: {
    path: `/v1beta/models/${model}:generateContent`,
    headers: { "x-goog-api-key": key, "x-goog-api-client": "genai-js/0.24.1", authorization: undefined },
    body: (prompt, system) => ({
      systemInstruction: { parts: [{ text: system }] },
      contents: [{ role: "user", parts: [{ text: prompt }] }],
    }),
  },
  streamRequest: { path: `/v1beta/models/${model}:streamGenerateContent`, query: { alt: "sse" } },
  failures: {
    429: GoogleGenerativeAIFetchError,
    500: GoogleGenerativeAIFetchError,
    401: GoogleGenerativeAIFetchError,
    400: GoogleGenerativeAIFetchError,
  },
  surfaced: ({ status, message }) => ({
    statusText: statusNames[status]?.statusText,
    message: expect.stringContaining(`[${status} ${statusNames[status]?.statusText}] ${message}`),
  }),
  timeoutError: GoogleGenerativeAIAbortError,
};

describe("fake Gemini with @google/generative-ai", () => {
  describeVendorContract(gemini);

  it("writes each stream event as one data line ended by CRLF pairs", async () => {
    fake().script(reply(["x", "y"]));
    const response = await fetch(`${fake().baseURL}/v1beta/models/${model}:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "raw" }] }] }),
    });
    const body = await response.text();
    expect(body).toMatch(/^data: \{.*\}\r\n\r\ndata: \{.*\}\r\n\r\n$/);
  });

  const rpcStatuses = Object.entries(statusNames).map(([status, names]) => [Number(status), names.rpcStatus] as const);
  it.each(rpcStatuses)("answers a scripted %i with google.rpc's %s", async (status, rpcStatus) => {
    fake().script(fail(status));

    const response = await fetch(`${fake().baseURL}/v1beta/models/${model}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ parts: [{ text: "raw" }] }] }),
    });

    expect(await response.json()).toEqual({
      error: { code: status, message: expect.any(String), status: rpcStatus },
    });
  });

  it("returns the scripted vector from embedContent", async () => {
    fake().script(embed([[0.5, -0.5, 0.25]]));

    const result = await models().embedder.embedContent("embed me");

    expect(result.embedding.values).toEqual([0.5, -0.5, 0.25]);
    expect(fake().requests[0]).toMatchObject({
      path: "/v1beta/models/text-embedding-004:embedContent",
      body: { content: { parts: [{ text: "embed me" }] } },
    });
  });

  it("returns the scripted vectors from batchEmbedContents, in order", async () => {
    fake().script(
      embed([
        [1, 0],
        [0, 1],
      ]),
    );

    const result = await models().embedder.batchEmbedContents({
      requests: ["first", "second"].map((text) => ({ content: { role: "user", parts: [{ text }] } })),
    });

    expect(result.embeddings.map((item) => item.values)).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(fake().requests[0]?.body).toMatchObject({ requests: [{ model: "models/text-embedding-004" }, {}] });
  });

  it("embeds deterministically when nothing is scripted", async () => {
    const first = await models().embedder.embedContent("same text");
    const again = await models().embedder.embedContent("same text");
    const other = await models().embedder.embedContent("other text");

    expect(first.embedding.values).toEqual(defaultEmbedding("same text"));
    expect(again.embedding.values).toEqual(first.embedding.values);
    expect(other.embedding.values).not.toEqual(first.embedding.values);
  });

  it("refuses an unknown key as Gemini does: 400 API_KEY_INVALID, which the SDK surfaces with its details", async () => {
    const strict = await startFakeGemini({ apiKey: "the-right-key" });
    try {
      const wrong = new GoogleGenerativeAI("a-wrong-key").getGenerativeModel({ model }, { baseUrl: strict.baseURL });
      const error = await wrong.generateContent("x").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GoogleGenerativeAIFetchError);
      expect(error).toMatchObject({ status: 400, errorDetails: [{ reason: "API_KEY_INVALID" }] });
    } finally {
      await strict.close();
    }
  });

  it("surfaces an abort mid-stream as a generic read error, on the stream and on the aggregated response", async () => {
    fake().script(stall(["no ", "end"]));
    let aggregate: Promise<unknown> = Promise.resolve();

    const { settled } = await abortWhenStalled(async (signal) => {
      const result = await models().chat.generateContentStream("x", { signal });
      aggregate = result.response.catch((error: unknown) => error);
      return result.stream;
    });

    // SDK quirk: an abort after the headers is not a GoogleGenerativeAIAbortError but a generic read error.
    for (const error of [settled, await aggregate]) {
      expect(error).toBeInstanceOf(GoogleGenerativeAIError);
      expect(error).not.toBeInstanceOf(GoogleGenerativeAIAbortError);
      expect((error as Error).message).toBe("[GoogleGenerativeAI Error]: Error reading from the stream");
    }
  });
});
