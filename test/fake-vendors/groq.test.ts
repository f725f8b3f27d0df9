import Groq from "groq-sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fail, hang, reply, stall, type FakeVendor } from "../support/fake-vendors/fake-vendor-server";
import { startFakeGroq } from "../support/fake-vendors/groq";
import { readUntilStalled } from "./read-until-stalled";

const key = "gsk_groq_test_key";
const model = "llama-3.3-70b-versatile";
let fake: FakeVendor;
let client: Groq;

beforeAll(async () => {
  fake = await startFakeGroq();
  client = new Groq({ apiKey: key, baseURL: fake.baseURL, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const ask = (text: string) => [{ role: "user" as const, content: text }];

describe("fake Groq with groq-sdk", () => {
  it("answers a chat completion with the scripted text, usage and x_groq id", async () => {
    fake.script(reply("Fast answer.", { usage: { inputTokens: 7, outputTokens: 3 } }));

    const completion = await client.chat.completions.create({ model, messages: ask("Be quick") });

    expect(completion.choices[0]?.message.content).toBe("Fast answer.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(completion.x_groq?.id).toMatch(/^req_fake_groq_/);
  });

  it("records the key in Authorization and the prompt in the body, under /openai/v1", async () => {
    await client.chat.completions.create({
      model,
      messages: [{ role: "system", content: "Terse." }, ...ask("Where?")],
    });

    const [request] = fake.requests;
    expect(request).toMatchObject({ vendor: "groq", method: "POST", path: "/openai/v1/chat/completions", apiKey: key });
    expect(request?.headers["authorization"]).toBe(`Bearer ${key}`);
    expect(request?.body).toMatchObject({ model, messages: [{ role: "system" }, { role: "user", content: "Where?" }] });
  });

  it("echoes the last user message when nothing is scripted", async () => {
    const completion = await client.chat.completions.create({ model, messages: ask("who's there") });
    expect(completion.choices[0]?.message.content).toBe("fake-groq reply to: who's there");
  });

  it("streams the scripted chunks in order, with the usage in x_groq on the last chunk", async () => {
    fake.script(reply(["Lightning ", "fast"], { usage: { inputTokens: 4, outputTokens: 2 } }));

    const stream = await client.chat.completions.create({ model, messages: ask("Stream it"), stream: true });
    const chunks: Groq.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? ""));
    expect(deltas.filter(Boolean)).toEqual(["Lightning ", "fast"]);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks[0]?.x_groq?.id).toMatch(/^req_fake_groq_/);
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe("stop");
    expect(last?.x_groq?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
    expect(fake.requests[0]?.outcome).toBe("completed");
  });

  it.each([
    [429, Groq.RateLimitError],
    [500, Groq.InternalServerError],
    [401, Groq.AuthenticationError],
    [400, Groq.BadRequestError],
  ] as const)("surfaces a scripted %i as %O", async (status, errorClass) => {
    fake.script(fail(status, "scripted failure"));

    const error = await client.chat.completions.create({ model, messages: ask("x") }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(errorClass);
    // Unlike openai's, groq-sdk's APIError keeps the whole body: `.error` is `{error: {...}}` and the
    // message is the status followed by that body as JSON.
    const body = (error as InstanceType<typeof Groq.APIError>).error;
    expect(body).toMatchObject({ error: { message: "scripted failure", type: expect.any(String) } });
    expect(error).toMatchObject({ status, message: `${status} ${JSON.stringify(body)}` });
  });

  it("answers an unknown path with Groq's unknown_url error", async () => {
    const error = await client.embeddings.create({ model: "nomic-embed", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Groq.NotFoundError);
    expect(error).toMatchObject({
      error: { error: { code: "unknown_url", message: expect.stringContaining("POST /openai/v1/embeddings") } },
    });
  });

  it("lets a hanging call time out, and sees the connection closed", async () => {
    fake.script(hang());

    const error = await client.chat.completions
      .create({ model, messages: ask("x") }, { timeout: 200 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Groq.APIConnectionTimeoutError);
    await fake.clientClosed(fake.requests[0]!);
  });

  it("stalls after the scripted chunks, and sees an abort mid-stream as a closed connection", async () => {
    fake.script(stall(["to be ", "continued"]));
    const controller = new AbortController();

    const stream = await client.chat.completions.create(
      { model, messages: ask("x"), stream: true },
      { signal: controller.signal },
    );
    const { items, waiting } = await readUntilStalled(stream);
    controller.abort();

    await fake.clientClosed(fake.requests[0]!);
    await waiting;
    expect(items.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["", "to be ", "continued"]);
    expect(items.some((chunk) => chunk.x_groq?.usage)).toBe(false);
  });
});
