import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../../cli/local-worker";
import { reply, stall, startFakeVendors, type FakeVendors } from "../../support/fake-vendors";
import { defaultTestVars, deployedBase, testAgentKey, useWorker } from "../../support/worker-harness";

/**
 * Aborts are checked with the worker talking to the fake OpenAI server directly (OPENAI_BASE_URL),
 * without the Node-side egress capture in between, which does not pass an abort on.
 */
let vendors: FakeVendors;
beforeAll(async () => {
  vendors = await startFakeVendors();
});
afterAll(async () => {
  await vendors.close();
});

const harness = useWorker(
  { LLM_PROVIDER: "openai", OPENAI_API_KEY: "sk-abort-test", LLM_TIMEOUT_SECONDS: "3" },
  () => ({
    vars: { OPENAI_BASE_URL: vendors.openai.baseURL },
  }),
);

/** Reads the body until a token event has arrived (a `start` event comes first); returns what was read. */
async function readUntilToken(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = "";
  while (!text.includes("event: token")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  return text;
}

function send(body: unknown, signal?: AbortSignal) {
  return harness.worker.miniflare.dispatchFetch(`${deployedBase}/api/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${testAgentKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });
}

describe("POST /api/chat when the client goes away", () => {
  it("aborts the upstream model call mid-stream", async () => {
    vendors.openai.script(stall(["first ", "words "]));
    const controller = new AbortController();
    const response = await send({ message: "tell me a long story", stream: true }, controller.signal);
    const reader = response.body!.getReader();
    expect(await readUntilToken(reader)).toContain("event: token");
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await vendors.openai.clientClosed(vendors.openai.requests.at(-1)!, 10_000);
  });

  it("aborts the upstream model call when the client leaves while the model is silent", async () => {
    vendors.openai.script(stall(["first "]));
    const controller = new AbortController();
    const response = await send({ message: "think hard", stream: true }, controller.signal);
    const reader = response.body!.getReader();
    await readUntilToken(reader);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await vendors.openai.clientClosed(vendors.openai.requests.at(-1)!, 10_000);
  });

  it("ends a stream that stalls for LLM_TIMEOUT_SECONDS with an error event, and aborts the call", async () => {
    vendors.openai.script(stall(["half an ", "answer"]));
    const started = Date.now();
    const response = await send({ message: "and then?", stream: true });
    const text = await response.text();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(text).toContain("event: token");
    expect(text).toMatch(
      /event: error\ndata: \{"code":"provider_error","message":"The model provider failed: openai: no data for 3 s"/,
    );
    await vendors.openai.clientClosed(vendors.openai.requests.at(-1)!, 10_000);
  });

  it("still answers the next request", async () => {
    vendors.openai.script(reply("fine"));
    const response = await send({ message: "still there?" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { reply: string }).reply).toBe("fine");
  });
});

describe("POST /api/chat through npm start's listener, when the client goes away", () => {
  let local: LocalWorker;
  beforeAll(async () => {
    local = await startLocalWorker({
      vars: {
        ...defaultTestVars,
        LLM_PROVIDER: "openai",
        OPENAI_API_KEY: "sk-abort-test",
        OPENAI_BASE_URL: vendors.openai.baseURL,
      },
      port: 0,
      host: "127.0.0.1",
    });
  });
  afterAll(async () => {
    await local?.close();
  });

  it("aborts the upstream model call mid-stream", async () => {
    vendors.openai.script(stall(["first ", "words "]));
    const controller = new AbortController();
    const response = await fetch(new URL("/api/chat", local.url), {
      method: "POST",
      headers: { authorization: `Bearer ${testAgentKey}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "a long story, please", stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    expect(await readUntilToken(reader)).toContain("event: token");
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await vendors.openai.clientClosed(vendors.openai.requests.at(-1)!, 10_000);
  });
});
