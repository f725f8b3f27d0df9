import { gzipSync } from "node:zlib";
import type { BenchmarkAbout } from "./benchmark-about";
import OpenAI from "openai";
import { startLocalWorker, type LocalWorker } from "../cli/local-worker";
import { bundleWorker } from "../stack/bundle";
import { startFakeOpenAI } from "../test/support/fake-vendors";

/**
 * Chat latency in workerd with a zero-latency fake model, at 0, 1,000 and 10,000 stored engrams:
 * p50 and p99 of the whole request and of the time to the first token, next to the same fake model
 * called directly from Node with the same SDK (the runtime's overhead as a ratio). Also the bundle's
 * size with all five providers in it.
 */

const agentKey = "bench-agent-key-0000000000000000";
const rounds = 150;
const words = ["river", "tea", "garden", "moon", "letter", "bicycle", "archive", "violin", "harbor", "lantern"];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(values: number[]): { p50: number; p99: number } {
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

async function seed(worker: LocalWorker, count: number, from: number): Promise<void> {
  const db = await worker.miniflare.getD1Database("DB");
  for (let start = from; start < count; start += 100) {
    const statements = [];
    for (let index = start; index < Math.min(count, start + 100); index++) {
      const text = `Memory ${index}: the ${words[index % words.length]} and the ${words[(index * 7) % words.length]} by the ${words[(index * 3) % words.length]}.`;
      statements.push(
        db
          .prepare("INSERT INTO engrams (id, agent, text, created_at) VALUES (?, ?, ?, ?)")
          .bind(`bench-${index}`, "bench", text, new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString()),
      );
    }
    await db.batch(statements);
  }
}

async function timeChat(worker: LocalWorker, stream: boolean): Promise<{ total: number; firstToken: number }> {
  const started = performance.now();
  const response = await worker.miniflare.dispatchFetch("http://localhost/api/chat", {
    method: "POST",
    headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
    body: JSON.stringify({ message: "what do you remember about the river and the tea?", stream, session_id: "bench" }),
  });
  if (!stream) {
    await response.json();
    const total = performance.now() - started;
    return { total, firstToken: total };
  }
  const reader = response.body!.getReader();
  let firstToken = 0;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!firstToken && new TextDecoder().decode(value).includes("event: token"))
      firstToken = performance.now() - started;
  }
  return { total: performance.now() - started, firstToken };
}

async function timeDirect(client: OpenAI, stream: boolean): Promise<{ total: number; firstToken: number }> {
  const started = performance.now();
  const messages = [{ role: "user" as const, content: "what do you remember about the river and the tea?" }];
  if (!stream) {
    await client.chat.completions.create({ model: "gpt-4.1-mini", messages });
    const total = performance.now() - started;
    return { total, firstToken: total };
  }
  let firstToken = 0;
  for await (const chunk of await client.chat.completions.create({ model: "gpt-4.1-mini", messages, stream: true })) {
    if (!firstToken && chunk.choices[0]?.delta?.content) firstToken = performance.now() - started;
  }
  return { total: performance.now() - started, firstToken };
}

async function measure(run: () => Promise<{ total: number; firstToken: number }>) {
  for (let warm = 0; warm < 10; warm++) await run();
  const totals: number[] = [];
  const firsts: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { total, firstToken } = await run();
    totals.push(total);
    firsts.push(firstToken);
  }
  return { total: summary(totals), firstToken: summary(firsts) };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** What `npm run bench -- --help` says of this benchmark. */
export const about: BenchmarkAbout = {
  summary: "chat latency in workerd against a zero-latency fake model, next to the SDK calling it directly",
  knobs: {},
};

export default async function chatLatency(): Promise<void> {
  const bundle = bundleWorker();
  console.log(
    `worker bundle (all five providers): ${(bundle.code.length / 1024).toFixed(0)} KiB raw, ` +
      `${(gzipSync(bundle.code).length / 1024).toFixed(0)} KiB gzipped`,
  );

  const fake = await startFakeOpenAI();
  const client = new OpenAI({ apiKey: "sk-bench", baseURL: fake.baseURL, maxRetries: 0 });
  const worker = await startLocalWorker({
    vars: {
      AGENT_KEY: agentKey,
      AGENT_ID: "bench",
      AGENT_NAME: "Bench",
      LLM_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-bench",
      OPENAI_BASE_URL: fake.baseURL,
      EMBEDDING_PROVIDER: "workers-ai",
      TELEMETRY: "false",
      YELLOW_PAGES: "false",
    },
  });
  try {
    const direct = {
      json: await measure(() => timeDirect(client, false)),
      stream: await measure(() => timeDirect(client, true)),
    };
    console.log(
      `baseline, fake model called directly (${rounds} rounds): JSON p50 ${ms(direct.json.total.p50)} p99 ${ms(direct.json.total.p99)}; ` +
        `first token p50 ${ms(direct.stream.firstToken.p50)} p99 ${ms(direct.stream.firstToken.p99)}`,
    );
    console.log("engrams | JSON p50 | JSON p99 | ×baseline p50 | first token p50 | first token p99 | ×baseline p50");
    let stored = 0;
    for (const count of [0, 1_000, 10_000]) {
      await seed(worker, count, stored);
      stored = count;
      fake.reset();
      const json = await measure(() => timeChat(worker, false));
      const stream = await measure(() => timeChat(worker, true));
      console.log(
        [
          String(count).padStart(7),
          ms(json.total.p50),
          ms(json.total.p99),
          `${(json.total.p50 / direct.json.total.p50).toFixed(1)}×`,
          ms(stream.firstToken.p50),
          ms(stream.firstToken.p99),
          `${(stream.firstToken.p50 / direct.stream.firstToken.p50).toFixed(1)}×`,
        ].join(" | "),
      );
    }
  } finally {
    await worker.close();
    await fake.close();
  }
}
