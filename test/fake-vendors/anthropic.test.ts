import Anthropic from "@anthropic-ai/sdk";
import type { ContentBlock } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { anthropicApiVersion, startFakeAnthropic } from "../support/fake-vendors/anthropic";
import { reply, stall } from "../support/fake-vendors/fake-vendor-server";
import { describeVendorContract, eventsOf, timeoutOption, type VendorUnderTest } from "./contract";
import { abortWhenStalled } from "./read-until-stalled";
import { useFakeVendor } from "./use-fake-vendor";

const key = "sk-ant-test-key";
const model = "claude-sonnet-5-5";
const { fake, client } = useFakeVendor(
  startFakeAnthropic,
  (started) => new Anthropic({ apiKey: key, baseURL: started.baseURL, maxRetries: 0 }),
);

const ask = (text: string) => ({ model, max_tokens: 256, messages: [{ role: "user" as const, content: text }] });

const textOf = (content: ContentBlock[]) => content.map((block) => (block.type === "text" ? block.text : "")).join("");

/** Event names of an SSE body, in order. */
function eventNames(body: string): string[] {
  return [...body.matchAll(/^event: (.+)$/gm)].map((match) => match[1]!);
}

/** `error.type` for each scripted status. */
const errorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const closingEvents = new Set(["content_block_stop", "message_delta", "message_stop"]);

const anthropic: VendorUnderTest = {
  vendor: "anthropic",
  key,
  model,
  fake,
  async complete(prompt, { system, timeoutMs } = {}) {
    const request = system === undefined ? ask(prompt) : { ...ask(prompt), system };
    const message = await client().messages.create(request, timeoutOption(timeoutMs));
    return {
      text: textOf(message.content),
      finishReason: message.stop_reason,
      usage: message.usage,
      model: message.model,
    };
  },
  async stream(prompt) {
    const stream = client().messages.stream(ask(prompt));
    const deltas: string[] = [];
    stream.on("text", (text) => deltas.push(text));
    const final = await stream.finalMessage();
    return { deltas, text: textOf(final.content), finishReason: final.stop_reason, usage: final.usage };
  },
  async open(prompt, signal) {
    const stream = await client().messages.create({ ...ask(prompt), stream: true }, { signal });
    return eventsOf(stream, (event) => ({
      text: event.type === "content_block_delta" && event.delta.type === "text_delta" ? event.delta.text : undefined,
      ends: closingEvents.has(event.type),
    }));
  },
  finishReason: "end_turn",
  usage: ({ inputTokens, outputTokens }) => ({ input_tokens: inputTokens, output_tokens: outputTokens }),
  completeRequest: {
    path: "/v1/messages",
    // SDK 1.x sends the key as a bearer token.
    headers: { authorization: `Bearer ${key}`, "x-api-key": undefined, "anthropic-version": anthropicApiVersion },
    body: (prompt, system) => ({ system, messages: [{ role: "user", content: prompt }] }),
  },
  streamRequest: { path: "/v1/messages", body: { stream: true } },
  failures: {
    429: Anthropic.RateLimitError,
    500: Anthropic.InternalServerError,
    401: Anthropic.AuthenticationError,
    400: Anthropic.BadRequestError,
    529: Anthropic.OverloadedError,
  },
  surfaced({ status, message, request }) {
    const type = errorTypes[status];
    const requestID = `req_fake_anthropic_${String(request.seq).padStart(4, "0")}`;
    return {
      type,
      apiMessage: message,
      requestID,
      error: { type: "error", error: { type, message }, request_id: requestID },
    };
  },
  timeoutError: Anthropic.APIConnectionTimeoutError,
};

describe("fake Anthropic with @anthropic-ai/sdk", () => {
  describeVendorContract(anthropic);

  it("answers in one text block without citations, streamed or not", async () => {
    fake().script(reply("Bonjour."), reply(["It ", "is ", "sunny."]));

    const message = await client().messages.create(ask("Say hello in French"));
    const final = await client().messages.stream(ask("Weather?")).finalMessage();

    expect(message.content).toEqual([{ type: "text", text: "Bonjour.", citations: null }]);
    expect(final.content).toEqual([{ type: "text", text: "It is sunny.", citations: null }]);
  });

  it("also takes the key from x-api-key, as the API does for curl", async () => {
    const response = await fetch(`${fake().baseURL}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(ask("curl style")),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toMatch(/^req_fake_anthropic_/);
    expect(fake().requests[0]).toMatchObject({ apiKey: key, headers: { "x-api-key": key } });
  });

  it("sends the real event types in the real order, ping included", async () => {
    fake().script(reply(["a", "b"]));

    const response = await fetch(`${fake().baseURL}/v1/messages`, {
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

  it("stalls right after the text deltas, with the message and its block started", async () => {
    fake().script(stall(["half ", "a reply"]));

    const { items } = await abortWhenStalled((signal) =>
      client().messages.create({ ...ask("x"), stream: true }, { signal }),
    );

    expect(items.map((event) => event.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
    ]);
  });

  it("refuses temperature on API version 2026-10-21, as the API does", async () => {
    const withTemperature = { ...ask("x"), temperature: 0.2 };

    const error = await client()
      .messages.create(withTemperature)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({ type: "invalid_request_error", apiMessage: expect.stringContaining("temperature") });
  });

  it("refuses a request without anthropic-version", async () => {
    const response = await fetch(`${fake().baseURL}/v1/messages`, {
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
});
