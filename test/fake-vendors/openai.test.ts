import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embed, fail, hang, reply, stall, type FakeVendor } from "../support/fake-vendors/fake-vendor-server";
import { startFakeOpenAI } from "../support/fake-vendors/openai";
import { readUntilStalled } from "./read-until-stalled";

const key = "sk-openai-test-key";
const model = "gpt-4o-mini";
let fake: FakeVendor;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: key, baseURL: fake.baseURL, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const ask = (text: string) => [{ role: "user" as const, content: text }];

describe("fake OpenAI with the openai SDK", () => {
  it("answers a chat completion with the scripted text and usage", async () => {
    fake.script(reply("Paris is the capital.", { usage: { inputTokens: 12, outputTokens: 5 } }));

    const completion = await client.chat.completions.create({ model, messages: ask("Capital of France?") });

    expect(completion.choices[0]?.message.content).toBe("Paris is the capital.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    expect(completion.model).toBe(model);
  });

  it("records the key in Authorization and the prompt in the body", async () => {
    await client.chat.completions.create({
      model,
      messages: [{ role: "system", content: "Be brief." }, ...ask("What is in the body?")],
    });

    const [request] = fake.requests;
    expect(request).toMatchObject({ vendor: "openai", method: "POST", path: "/v1/chat/completions", apiKey: key });
    expect(request?.headers["authorization"]).toBe(`Bearer ${key}`);
    expect(request?.body).toMatchObject({ model, messages: [{ role: "system" }, { content: "What is in the body?" }] });
    expect(request?.outcome).toBe("completed");
  });

  it("echoes the last user message when nothing is scripted", async () => {
    const completion = await client.chat.completions.create({ model, messages: ask("hello there") });
    expect(completion.choices[0]?.message.content).toBe("fake-openai reply to: hello there");
  });

  it("streams the scripted chunks in order, then the usage chunk when include_usage is set", async () => {
    fake.script(reply(["Hel", "lo, ", "world"], { usage: { inputTokens: 4, outputTokens: 3 } }));

    const stream = await client.chat.completions.create({
      model,
      messages: ask("Say hello"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) if (choice.delta.content) deltas.push(choice.delta.content);
      if (chunk.usage) usage = chunk.usage;
    }

    expect(deltas).toEqual(["Hel", "lo, ", "world"]);
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    expect(fake.requests[0]?.outcome).toBe("completed");
  });

  it("gives the stream helper a final completion it can assemble", async () => {
    fake.script(reply(["One ", "two ", "three"], { usage: { inputTokens: 2, outputTokens: 3 } }));

    const runner = client.chat.completions.stream({
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

  it("sends no usage chunk without include_usage", async () => {
    fake.script(reply(["a", "b"]));

    const stream = await client.chat.completions.create({ model, messages: ask("x"), stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("returns scripted embedding vectors through the SDK's default base64 encoding", async () => {
    const vectors = [
      [0.5, -0.25, 0.125, 1],
      [-1, 0, 0.75, -0.5],
    ];
    fake.script(embed(vectors));

    const result = await client.embeddings.create({ model: "text-embedding-3-small", input: ["first", "second"] });

    expect(result.data.map((item) => item.embedding)).toEqual(vectors);
    expect(fake.requests[0]?.body).toMatchObject({ encoding_format: "base64", input: ["first", "second"] });
  });

  it("returns float vectors when the caller asks for encoding_format float", async () => {
    fake.script(embed([[0.1, 0.2, 0.3]]));

    const result = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "one",
      encoding_format: "float",
    });

    expect(result.data[0]?.embedding).toEqual([0.1, 0.2, 0.3]);
  });

  it.each([
    [429, OpenAI.RateLimitError, "rate_limit_exceeded"],
    [500, OpenAI.InternalServerError, null],
    [401, OpenAI.AuthenticationError, "invalid_api_key"],
    [400, OpenAI.BadRequestError, null],
  ] as const)("surfaces a scripted %i as %O", async (status, errorClass, code) => {
    fake.script(fail(status));

    const error = await client.chat.completions.create({ model, messages: ask("x") }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, code, requestID: expect.stringMatching(/^req_fake_openai_/) });
    expect(fake.requests).toHaveLength(1);
  });

  it("carries a scripted message and retry-after on a 429", async () => {
    fake.script(fail(429, "Slow down", { retryAfterSeconds: 7 }));

    const error = await client.chat.completions.create({ model, messages: ask("x") }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.message).toBe("429 Slow down");
    expect(rateLimit.headers.get("retry-after")).toBe("7");
    expect(rateLimit.type).toBe("requests");
  });

  it("fails a streamed call with the status before any chunk", async () => {
    fake.script(fail(429));
    const error = await client.chat.completions
      .create({ model, messages: ask("x"), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("lets a hanging call time out, and sees the connection closed", async () => {
    fake.script(hang());

    const error = await client.chat.completions
      .create({ model, messages: ask("x") }, { timeout: 200 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await fake.clientClosed(fake.requests[0]!);
    expect(fake.requests[0]?.outcome).toBe("client-closed");
  });

  it("stalls after the scripted chunks, and sees an abort mid-stream as a closed connection", async () => {
    fake.script(stall(["partial ", "answer"]));
    const controller = new AbortController();

    const stream = await client.chat.completions.create(
      { model, messages: ask("x"), stream: true },
      { signal: controller.signal },
    );
    const { items, waiting } = await readUntilStalled(stream);
    expect(fake.requests[0]?.outcome).toBe("open");
    controller.abort();

    await fake.clientClosed(fake.requests[0]!);
    await waiting;
    expect(items.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["", "partial ", "answer"]);
    expect(items[0]?.choices[0]?.delta.role).toBe("assistant");
  });

  it("refuses a request without a key, with OpenAI's 401 body", async () => {
    const response = await fetch(`${fake.baseURL}/chat/completions`, {
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
