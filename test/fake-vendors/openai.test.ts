import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { embed, fail, reply } from "../support/fake-vendors/fake-vendor-server";
import { startFakeOpenAI } from "../support/fake-vendors/openai";
import { chatBody, chatCompletionCalls, chatMessages, chatUsage } from "./chat-completions";
import { describeVendorContract, type VendorUnderTest } from "./contract";
import { useFakeVendor } from "./use-fake-vendor";

const key = "sk-openai-test-key";
const model = "gpt-4o-mini";
const { fake, client } = useFakeVendor(
  startFakeOpenAI,
  (started) => new OpenAI({ apiKey: key, baseURL: started.baseURL, maxRetries: 0 }),
);

const ask = (text: string) => chatMessages(text);

/** `code` as OpenAI sends it for each status. */
const errorCodes: Record<number, string | null> = {
  400: null,
  401: "invalid_api_key",
  429: "rate_limit_exceeded",
  500: null,
};

const openai: VendorUnderTest = {
  vendor: "openai",
  key,
  model,
  fake,
  ...chatCompletionCalls({
    model,
    create: (request, options) => client().chat.completions.create(request, options),
    createStream: (request, options) =>
      client().chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }, options),
    usageOf: (chunk) => chunk.usage,
  }),
  finishReason: "stop",
  usage: chatUsage,
  completeRequest: {
    path: "/v1/chat/completions",
    headers: { authorization: `Bearer ${key}` },
    body: chatBody(model),
  },
  streamRequest: { path: "/v1/chat/completions", body: { stream: true, stream_options: { include_usage: true } } },
  failures: {
    429: OpenAI.RateLimitError,
    500: OpenAI.InternalServerError,
    401: OpenAI.AuthenticationError,
    400: OpenAI.BadRequestError,
  },
  surfaced: ({ status, message }) => ({
    code: errorCodes[status],
    message: `${status} ${message}`,
    requestID: expect.stringMatching(/^req_fake_openai_/),
  }),
  timeoutError: OpenAI.APIConnectionTimeoutError,
};

describe("fake OpenAI with the openai SDK", () => {
  describeVendorContract(openai);

  it("gives the stream helper a final completion it can assemble", async () => {
    fake().script(reply(["One ", "two ", "three"], { usage: { inputTokens: 2, outputTokens: 3 } }));

    const runner = client().chat.completions.stream({
      model,
      messages: ask("Count"),
      stream_options: { include_usage: true },
    });
    const seen: string[] = [];
    runner.on("content", (delta) => seen.push(delta));
    const final = await runner.finalChatCompletion();

    expect(seen).toEqual(["One ", "two ", "three"]);
    expect(final.choices[0]?.message).toMatchObject({ role: "assistant", content: "One two three" });
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 });
  });

  it("opens a stream with the assistant role, and sends no usage chunk without include_usage", async () => {
    fake().script(reply(["a", "b"]));

    const stream = await client().chat.completions.create({ model, messages: ask("x"), stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: "assistant", content: "" });
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("returns scripted embedding vectors through the SDK's default base64 encoding", async () => {
    const vectors = [
      [0.5, -0.25, 0.125, 1],
      [-1, 0, 0.75, -0.5],
    ];
    fake().script(embed(vectors));

    const result = await client().embeddings.create({ model: "text-embedding-3-small", input: ["first", "second"] });

    expect(result.data.map((item) => item.embedding)).toEqual(vectors);
    expect(fake().requests[0]?.body).toMatchObject({ encoding_format: "base64", input: ["first", "second"] });
  });

  it("returns float vectors when the caller asks for encoding_format float", async () => {
    fake().script(embed([[0.1, 0.2, 0.3]]));

    const result = await client().embeddings.create({
      model: "text-embedding-3-small",
      input: "one",
      encoding_format: "float",
    });

    expect(result.data[0]?.embedding).toEqual([0.1, 0.2, 0.3]);
  });

  it("carries a scripted message and retry-after on a 429", async () => {
    fake().script(fail(429, "Slow down", { retryAfterSeconds: 7 }));

    const error = await client()
      .chat.completions.create({ model, messages: ask("x") })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.message).toBe("429 Slow down");
    expect(rateLimit.headers.get("retry-after")).toBe("7");
    expect(rateLimit.type).toBe("requests");
  });

  it("fails a streamed call with the status, in the vendor's usual wording, before any chunk", async () => {
    fake().script(fail(429));
    const error = await client()
      .chat.completions.create({ model, messages: ask("x"), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as Error).message).toMatch(/^429 Rate limit reached on requests per min/);
  });

  it("refuses a request without a key, with OpenAI's 401 body", async () => {
    const response = await fetch(`${fake().baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: ask("x") }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: {
        message: expect.stringContaining("didn't provide an API key"),
        type: "invalid_request_error",
        param: null,
      },
    });
  });
});
