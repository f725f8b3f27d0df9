import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicApiVersion, startFakeAnthropic } from "../support/fake-vendors/anthropic";
import { fail, hang, reply, stall, type FakeVendor } from "../support/fake-vendors/fake-vendor-server";
import { readUntilStalled } from "./read-until-stalled";

const key = "sk-ant-test-key";
const model = "claude-sonnet-5-5";
let fake: FakeVendor;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ apiKey: key, baseURL: fake.baseURL, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const ask = (text: string) => ({ model, max_tokens: 256, messages: [{ role: "user" as const, content: text }] });

/** Event names of an SSE body, in order. */
function eventNames(body: string): string[] {
  return [...body.matchAll(/^event: (.+)$/gm)].map((match) => match[1]!);
}

describe("fake Anthropic with @anthropic-ai/sdk", () => {
  it("answers a message with the scripted text and usage", async () => {
    fake.script(reply("Bonjour.", { usage: { inputTokens: 9, outputTokens: 2 } }));

    const message = await client.messages.create(ask("Say hello in French"));

    expect(message.content).toEqual([{ type: "text", text: "Bonjour.", citations: null }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 2 });
    expect(message.model).toBe(model);
  });

  it("records the key (sent as a bearer token by SDK 1.x), the API version and the prompt", async () => {
    await client.messages.create({ ...ask("What is recorded?"), system: "Be brief." });

    const [request] = fake.requests;
    expect(request).toMatchObject({ vendor: "anthropic", method: "POST", path: "/v1/messages", apiKey: key });
    expect(request?.headers["authorization"]).toBe(`Bearer ${key}`);
    expect(request?.headers["x-api-key"]).toBeUndefined();
    expect(request?.headers["anthropic-version"]).toBe(anthropicApiVersion);
    expect(request?.body).toMatchObject({
      system: "Be brief.",
      messages: [{ role: "user", content: "What is recorded?" }],
    });
  });

  it("also takes the key from x-api-key, as the API does for curl", async () => {
    const response = await fetch(`${fake.baseURL}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(ask("curl style")),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toMatch(/^req_fake_anthropic_/);
    expect(fake.requests[0]).toMatchObject({ apiKey: key, headers: { "x-api-key": key } });
  });

  it("echoes the last user message when nothing is scripted", async () => {
    const message = await client.messages.create(ask("ping?"));
    expect(message.content[0]).toMatchObject({ type: "text", text: "fake-anthropic reply to: ping?" });
  });

  it("streams the scripted chunks and MessageStream assembles the final message and usage", async () => {
    fake.script(reply(["It ", "is ", "sunny."], { usage: { inputTokens: 6, outputTokens: 3 } }));

    const stream = client.messages.stream(ask("Weather?"));
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const final = await stream.finalMessage();

    expect(texts).toEqual(["It ", "is ", "sunny."]);
    expect(final.content).toEqual([{ type: "text", text: "It is sunny.", citations: null }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: 6, output_tokens: 3 });
    expect(fake.requests[0]?.body).toMatchObject({ stream: true });
  });

  it("sends the real event types in the real order, ping included", async () => {
    fake.script(reply(["a", "b"]));

    const response = await fetch(`${fake.baseURL}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "anthropic-version": anthropicApiVersion,
      },
      body: JSON.stringify({ ...ask("order"), stream: true }),
    });

    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(eventNames(await response.text())).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it.each([
    [429, Anthropic.RateLimitError, "rate_limit_error"],
    [500, Anthropic.InternalServerError, "api_error"],
    [401, Anthropic.AuthenticationError, "authentication_error"],
    [400, Anthropic.BadRequestError, "invalid_request_error"],
    [529, Anthropic.OverloadedError, "overloaded_error"],
  ] as const)("surfaces a scripted %i as %O", async (status, errorClass, type) => {
    fake.script(fail(status, "scripted failure"));

    const error = await client.messages.create(ask("x")).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(errorClass);
    const requestID = fake.requests[0] && `req_fake_anthropic_${String(fake.requests[0].seq).padStart(4, "0")}`;
    expect(error).toMatchObject({ status, type, apiMessage: "scripted failure", requestID });
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type, message: "scripted failure" },
      request_id: requestID,
    });
  });

  it("refuses temperature on API version 2026-10-21, as the API does", async () => {
    const withTemperature = { ...ask("x"), temperature: 0.2 };

    const error = await client.messages.create(withTemperature).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({ type: "invalid_request_error", apiMessage: expect.stringContaining("temperature") });
  });

  it("refuses a request without anthropic-version", async () => {
    const response = await fetch(`${fake.baseURL}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(ask("x")),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: "anthropic-version: header is required" },
    });
  });

  it("lets a hanging call time out, and sees the connection closed", async () => {
    fake.script(hang());

    const error = await client.messages.create(ask("x"), { timeout: 200 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    await fake.clientClosed(fake.requests[0]!);
  });

  it("stalls after the scripted chunks, and sees an abort mid-stream as a closed connection", async () => {
    fake.script(stall(["half ", "a reply"]));
    const controller = new AbortController();

    const stream = await client.messages.create({ ...ask("x"), stream: true }, { signal: controller.signal });
    const { items, waiting } = await readUntilStalled(stream);
    controller.abort();

    await fake.clientClosed(fake.requests[0]!);
    await waiting;
    expect(items.map((event) => event.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
    ]);
    const texts = items.flatMap((event) =>
      event.type === "content_block_delta" && event.delta.type === "text_delta" ? [event.delta.text] : [],
    );
    expect(texts).toEqual(["half ", "a reply"]);
  });
});
