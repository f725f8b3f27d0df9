import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenerativeAI } from "@google/generative-ai";
import Groq from "groq-sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  defaultEmbedding,
  embed,
  fail,
  hang,
  reply,
  startFakeVendors,
  type FakeVendors,
  type VendorName,
} from "../support/fake-vendors";

const keys: Record<Exclude<VendorName, "workers-ai">, string> = {
  openai: "sk-openai-only",
  anthropic: "sk-ant-only",
  gemini: "gemini-only",
  groq: "gsk-groq-only",
};
let fakes: FakeVendors;

beforeAll(async () => {
  fakes = await startFakeVendors({ apiKeys: keys });
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const sdk = {
  openai: (apiKey = keys.openai) => new OpenAI({ apiKey, baseURL: fakes.baseURLs.openai, maxRetries: 0 }),
  anthropic: () => new Anthropic({ apiKey: keys.anthropic, baseURL: fakes.baseURLs.anthropic, maxRetries: 0 }),
  gemini: () =>
    new GoogleGenerativeAI(keys.gemini).getGenerativeModel(
      { model: "gemini-2.0-flash" },
      { baseUrl: fakes.baseURLs.gemini },
    ),
  groq: () => new Groq({ apiKey: keys.groq, baseURL: fakes.baseURLs.groq, maxRetries: 0 }),
};

const post = (url: string, body: string, headers: Record<string, string>) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("startFakeVendors", () => {
  it("serves each vendor at a base URL its SDK accepts, and logs each key only at its own vendor", async () => {
    await sdk.openai().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "one" }] });
    await sdk
      .anthropic()
      .messages.create({ model: "claude-sonnet-5-5", max_tokens: 64, messages: [{ role: "user", content: "two" }] });
    await sdk.gemini().generateContent("three");
    await sdk
      .groq()
      .chat.completions.create({ model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "four" }] });

    expect(fakes.requests().map((request) => [request.vendor, request.apiKey])).toEqual([
      ["openai", keys.openai],
      ["anthropic", keys.anthropic],
      ["gemini", keys.gemini],
      ["groq", keys.groq],
    ]);
    for (const vendor of Object.keys(keys) as VendorName[]) {
      expect(fakes[vendor].requests).toHaveLength(1);
      const others = Object.entries(keys)
        .filter(([name]) => name !== vendor)
        .map(([, key]) => key);
      const seen = JSON.stringify(fakes[vendor].requests);
      for (const key of others) expect(seen).not.toContain(key);
    }
  });

  it("refuses a key meant for another vendor with that vendor's 401", async () => {
    const error = await sdk
      .openai(keys.groq)
      .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(fakes.openai.requests[0]?.apiKey).toBe(keys.groq);
  });

  it("plays scripted behaviours in order, one per call, then falls back to the default reply", async () => {
    const client = sdk.openai();
    const ask = (content: string) =>
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content }] });
    fakes.openai.script(reply("first"), fail(429), reply("third"));
    expect(fakes.openai.pending).toBe(3);

    const first = await ask("a");
    const second = await ask("b").catch((e: unknown) => e);
    const third = await ask("c");
    const fourth = await ask("d");

    expect(first.choices[0]?.message.content).toBe("first");
    expect(second).toBeInstanceOf(OpenAI.RateLimitError);
    expect(third.choices[0]?.message.content).toBe("third");
    expect(fourth.choices[0]?.message.content).toBe("fake-openai reply to: d");
    expect(fakes.openai.pending).toBe(0);
  });

  it("answers an unknown path with the vendor's 404 without using up the script", async () => {
    fakes.openai.script(reply("kept"));

    const response = await post(`${fakes.baseURLs.openai}/nothing-here`, "{}", {
      authorization: `Bearer ${keys.openai}`,
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { message: "Invalid URL (POST /v1/nothing-here)", type: "invalid_request_error", param: null, code: null },
    });
    expect(fakes.openai.pending).toBe(1);
    expect(fakes.openai.requests[0]).toMatchObject({ path: "/v1/nothing-here", outcome: "completed" });
  });

  it("answers a body that is not JSON with the vendor's 400 and records the raw text", async () => {
    const response = await post(`${fakes.baseURLs.anthropic}/v1/messages`, "{not json", {
      authorization: `Bearer ${keys.anthropic}`,
      "anthropic-version": "2026-10-21",
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(fakes.anthropic.requests[0]?.body).toBe("{not json");
  });

  it("answers a script that does not fit the call with a 500 that says so", async () => {
    fakes.openai.script(embed([[1, 0]]));

    const error = await sdk
      .openai()
      .chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain(
      "script mismatch: 'embed' (1 vector(s)) was scripted for a generate call",
    );
  });

  it("gives default embeddings of the requested dimensions", async () => {
    const result = await sdk
      .openai()
      .embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], dimensions: 4 });

    expect(result.data.map((item) => item.embedding)).toEqual([defaultEmbedding("a", 4), defaultEmbedding("b", 4)]);
    expect(Math.hypot(...defaultEmbedding("a", 4))).toBeCloseTo(1, 5);
  });

  it("ends hanging exchanges on close and records them as closed by the server", async () => {
    const own = await startFakeVendors();
    own.groq.script(hang());
    const client = new Groq({ apiKey: "k", baseURL: own.baseURLs.groq, maxRetries: 0 });

    const pending = client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    await expect.poll(() => own.groq.requests.length).toBe(1);
    await own.close();

    expect(await pending).toBeInstanceOf(Groq.APIConnectionError);
    expect(own.groq.requests[0]?.outcome).toBe("server-closed");
    await expect(own.groq.clientClosed(own.groq.requests[0]!)).rejects.toThrow("is 'server-closed'");
  });
});
