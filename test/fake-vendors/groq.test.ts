import Groq from "groq-sdk";
import { describe, expect, it } from "vitest";
import { reply } from "../support/fake-vendors/fake-vendor-server";
import { startFakeGroq } from "../support/fake-vendors/groq";
import { chatBody, chatCompletionCalls, chatMessages, chatUsage } from "./chat-completions";
import { describeVendorContract, type VendorUnderTest } from "./contract";
import { useFakeVendor } from "./use-fake-vendor";

const key = "gsk_groq_test_key";
const model = "llama-3.3-70b-versatile";
const { fake, client } = useFakeVendor(
  startFakeGroq,
  (started) => new Groq({ apiKey: key, baseURL: started.baseURL, maxRetries: 0 }),
);

const ask = (text: string) => chatMessages(text);

/** The error `type` (and `code`, where Groq sends one) for each scripted status. */
const errorKinds: Record<number, { type: string; code?: string }> = {
  400: { type: "invalid_request_error" },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  429: { type: "tokens", code: "rate_limit_exceeded" },
  500: { type: "internal_server_error" },
};

/** groq-sdk puts a stream's usage in `x_groq` on its last chunk; its chunk type has no top-level `usage`. */
const streamedUsage = (chunk: Groq.Chat.ChatCompletionChunk) => chunk.x_groq?.usage;

const groq: VendorUnderTest = {
  vendor: "groq",
  key,
  model,
  fake,
  ...chatCompletionCalls({
    model,
    create: (request, options) => client().chat.completions.create(request, options),
    createStream: (request, options) => client().chat.completions.create({ ...request, stream: true }, options),
    usageOf: streamedUsage,
  }),
  finishReason: "stop",
  usage: chatUsage,
  completeRequest: {
    path: "/openai/v1/chat/completions",
    headers: { authorization: `Bearer ${key}` },
    body: chatBody(model),
  },
  streamRequest: { path: "/openai/v1/chat/completions", body: { stream: true } },
  failures: {
    429: Groq.RateLimitError,
    500: Groq.InternalServerError,
    401: Groq.AuthenticationError,
    400: Groq.BadRequestError,
  },
  surfaced({ status, message }) {
    // Unlike openai's, groq-sdk's APIError keeps the whole body: `.error` is `{error: {...}}` and the
    // message is the status followed by that body as JSON.
    const body = { error: { message, ...errorKinds[status] } };
    return { error: body, message: `${status} ${JSON.stringify(body)}` };
  },
  timeoutError: Groq.APIConnectionTimeoutError,
};

describe("fake Groq with groq-sdk", () => {
  describeVendorContract(groq);

  it("puts x_groq on a completion and on a stream's first and last chunks, the last one with the usage", async () => {
    fake().script(reply("Fast answer."), reply(["Lightning ", "fast"], { usage: { inputTokens: 4, outputTokens: 1 } }));

    const completion = await client().chat.completions.create({ model, messages: ask("Be quick") });
    const stream = await client().chat.completions.create({ model, messages: ask("Stream it"), stream: true });
    const chunks: Groq.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(completion.x_groq?.id).toMatch(/^req_fake_groq_/);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: "assistant", content: "" });
    expect(chunks[0]?.x_groq?.id).toMatch(/^req_fake_groq_/);
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe("stop");
    expect(last?.x_groq).toMatchObject({ id: expect.stringMatching(/^req_fake_groq_/), usage: { total_tokens: 5 } });
    expect(chunks.slice(1, -1).every((chunk) => chunk.x_groq === undefined)).toBe(true);
  });

  it("answers an unknown path with Groq's unknown_url error", async () => {
    const error = await client()
      .embeddings.create({ model: "nomic-embed", input: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Groq.NotFoundError);
    expect(error).toMatchObject({
      error: { error: { code: "unknown_url", message: expect.stringContaining("POST /openai/v1/embeddings") } },
    });
  });
});
