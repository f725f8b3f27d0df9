import { anthropicWire } from "./anthropic";
import {
  startFakeVendorServer,
  type FakeVendor,
  type RecordedRequest,
  type VendorName,
  type VendorWire,
} from "./fake-vendor-server";
import { geminiWire } from "./gemini";
import { groqWire } from "./groq";
import { openaiWire } from "./openai";
import { workersAiWire } from "./workers-ai";

export * from "./fake-vendor-server";
export { anthropicApiVersion, startFakeAnthropic } from "./anthropic";
export { startFakeGemini } from "./gemini";
export { startFakeGroq } from "./groq";
export { startFakeOpenAI } from "./openai";
export { startFakeWorkersAi, workersAiStandInScript } from "./workers-ai";

export interface StartFakeVendorsOptions {
  /** Per vendor, the only key it accepts (others get that vendor's invalid-key error); any key when unset. */
  apiKeys?: Partial<Record<VendorName, string>>;
}

/** One fake server per vendor, so each has its own base URL and log and a key sent to the wrong one shows. */
export interface FakeVendors extends Record<VendorName, FakeVendor> {
  /** Per vendor, what its SDK takes as base URL (OpenAI's ends in /v1; the others are bare origins). */
  baseURLs: Record<VendorName, string>;
  /** Every request to any vendor, in arrival order. */
  requests(): RecordedRequest[];
  /** Forgets every vendor's requests and scripts. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeVendors(options: StartFakeVendorsOptions = {}): Promise<FakeVendors> {
  const sequence = { next: 1 };
  const start = (vendor: VendorName, wire: VendorWire) =>
    startFakeVendorServer(wire, {
      sequence,
      ...(options.apiKeys?.[vendor] ? { apiKey: options.apiKeys[vendor] } : {}),
    });
  const [openai, anthropic, gemini, groq, workersAi] = await Promise.all([
    start("openai", openaiWire),
    start("anthropic", anthropicWire),
    start("gemini", geminiWire),
    start("groq", groqWire),
    start("workers-ai", workersAiWire),
  ]);
  const vendors: Record<VendorName, FakeVendor> = { openai, anthropic, gemini, groq, "workers-ai": workersAi };
  const all = Object.values(vendors);

  return {
    ...vendors,
    baseURLs: {
      openai: openai.baseURL,
      anthropic: anthropic.baseURL,
      gemini: gemini.baseURL,
      groq: groq.baseURL,
      "workers-ai": workersAi.baseURL,
    },
    requests: () => all.flatMap((vendor) => vendor.requests).sort((a, b) => a.seq - b.seq),
    reset: () => all.forEach((vendor) => vendor.reset()),
    close: async () => {
      await Promise.all(all.map((vendor) => vendor.close()));
    },
  };
}
