import { beforeEach, expect } from "vitest";
import type { Egress } from "./egress";
import { workersAiStandInScript, type FakeVendors, type VendorName } from "./fake-vendors";
import { useFakeVendors } from "./use-fake-vendors";
import { useWorker, type HarnessResponse, type WorkerHarness } from "./worker-harness";

/** Each vendor's key, distinct, so that a key sent to the wrong host or shown in an answer is caught. */
export const chatKeys = {
  openai: "sk-openai-test-key-000001",
  anthropic: "sk-ant-test-key-000002",
  gemini: "AIza-gemini-test-key-000003",
  groq: "gsk_groq_test_key_000004",
};

/** Every provider the chat worker has configured, in the order it falls back through them. */
export const chatProviders: VendorName[] = ["openai", "anthropic", "gemini", "groq", "workers-ai"];

export interface ChatWorker {
  harness: WorkerHarness;
  vendors: () => FakeVendors;
  egress: () => Egress;
  /** The vendors asked, in the order they were asked. */
  vendorsAsked: () => VendorName[];
}

/**
 * A worker whose chat reaches all five providers, each a fake vendor driven through its real SDK
 * (Workers AI through the binding's stand-in), with its egress captured; the fakes and the capture
 * are reset before each test. OpenAI answers first, then the others in `chatProviders` order.
 */
export function useChatWorker(): ChatWorker {
  const { vendors, egress } = useFakeVendors();
  const harness = useWorker(
    {
      LLM_PROVIDER: "openai",
      LLM_FALLBACK: "anthropic,gemini,groq,workers-ai",
      LLM_TIMEOUT_SECONDS: "2",
      // Memory calls no model here (test/worker/memory/ covers embeddings and enrichment with fake
      // vendors), so each vendor's requests and scripts are the chat's own.
      EMBEDDING_PROVIDER: "hash",
      OPENAI_API_KEY: chatKeys.openai,
      ANTHROPIC_API_KEY: chatKeys.anthropic,
      GEMINI_API_KEY: chatKeys.gemini,
      GROQ_API_KEY: chatKeys.groq,
    },
    () => ({
      outbound: (request) => egress().outbound(request),
      workersAiStandIn: {
        script: workersAiStandInScript,
        bindings: { FAKE_WORKERS_AI_URL: vendors()["workers-ai"].baseURL },
      },
    }),
  );
  beforeEach(() => {
    vendors().reset();
    egress().reset();
  });
  const vendorsAsked = () =>
    vendors()
      .requests()
      .map((request) => request.vendor);
  return { harness, vendors, egress, vendorsAsked };
}

/** A 502 `provider_error` naming `provider` as the cause, with none of the keys in it. */
export function expectProviderError(response: HarnessResponse, provider: VendorName): void {
  expect(response.status, response.text).toBe(502);
  expect(response.body.error.code).toBe("provider_error");
  expect(response.body.error.message).toContain(`${provider}:`);
  for (const key of Object.values(chatKeys)) expect(response.text).not.toContain(key);
}
