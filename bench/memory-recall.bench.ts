import Database from "better-sqlite3";
import type { BenchmarkAbout } from "./benchmark-about";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Miniflare } from "miniflare";
import { applyLocalMigrations } from "../cli/local-d1";
import { miniflareModules } from "../cli/local-worker";
import { bundleModule, type WorkerBundle } from "../stack/bundle";
import { compatibilityDate, compatibilityFlags } from "../stack/sos-stack";
import { bytesOf, packVector } from "../worker/memory/vector-codec";
import {
  conversationMemories,
  conversationQuestions,
  corpus,
  dimensions,
  prng,
  syntheticEngram,
  syntheticQuery,
  type QuestionKind,
  type SyntheticEngram,
} from "./memory-recall-data";

/**
 * Memory recall in workerd, at 1,000, 10,000 and 100,000 engrams of 768-dimension vectors for one
 * agent: the runtime's hybrid recall (bench/memory-recall-worker.ts wraps worker/memory/) warm (the
 * isolate's cache current), cold (cache dropped first: loaded from the snapshot in KV) and cold from
 * D1 (the snapshots deleted too), next to a naive recall measured in the
 * same run (every embedding BLOB of the agent read, float cosine in JavaScript). Times are taken
 * inside the isolate (workerd's clock advances during computation when run locally); D1 rows are
 * D1's own `rows_read`. Then the scan's recall against exact float cosines, and retrieval quality on
 * a small labelled conversation set (full text only, vectors only, hybrid) with the hashing embedding.
 * The D1 database is seeded straight into its SQLite file (the triggers run as in production).
 */

const agent = "bench";
const k = 5;
/** What `npm run bench -- --help` says of this benchmark. */
export const about: BenchmarkAbout = {
  summary: "memory recall latency, rows read and worker CPU, warm and cold, against a naive scan",
  knobs: { SOS_BENCH_MEMORY_SIZES: "engram counts to measure, comma-separated (default 1000,10000,100000)" },
};

/** SOS_BENCH_MEMORY_SIZES=1000,10000 runs a subset (each size needs its rounds below). */
const sizes = (process.env.SOS_BENCH_MEMORY_SIZES ?? "1000,10000,100000").split(",").map(Number);
/** Recalls per size; `coldWork`: queries whose cold recall is replayed (twice each) for the worker's own time. */
const rounds: Record<number, { warm: number; cold: number; naive: number; coldWork: number }> = {
  1_000: { warm: 300, cold: 30, naive: 30, coldWork: 5 },
  10_000: { warm: 300, cold: 15, naive: 10, coldWork: 4 },
  100_000: { warm: 200, cold: 5, naive: 3, coldWork: 2 },
};
const model = "bench-768";

function startBenchWorker(bundle: WorkerBundle, persist: string | false): Miniflare {
  return new Miniflare({
    modules: miniflareModules(bundle),
    compatibilityDate,
    compatibilityFlags,
    d1Databases: { DB: "bench-memory" },
    d1Persist: persist,
    kvNamespaces: { KV: "bench-snapshots" },
    kvPersist: persist,
  });
}

async function call<T>(worker: Miniflare, route: string, body: unknown): Promise<T & { wallMs: number }> {
  const started = performance.now();
  const response = await worker.dispatchFetch(`http://bench${route}`, { method: "POST", body: JSON.stringify(body) });
  const parsed = (await response.json()) as T & { error?: string };
  if (response.status !== 200) throw new Error(`${route}: ${parsed.error}`);
  return { ...parsed, wallMs: performance.now() - started };
}

const base64 = (vector: Float32Array) =>
  Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");

function sqliteTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Inserts engrams from..to straight into the D1 file; the triggers create their vector rows, then they are filled. */
function seed(file: string, engrams: SyntheticEngram[], from: number, rowids: number[]): void {
  const db = new Database(file);
  db.pragma("synchronous = OFF");
  const insert = db.prepare(
    "INSERT INTO engrams (id, agent, text, embedding, importance, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const vector = db.prepare(
    "UPDATE engram_vectors SET model = ?, dims = ?, bits = ?, q8 = ?, scale = ?, embedded_at = ? WHERE engram_rowid = ?",
  );
  const now = Date.now();
  db.transaction(() => {
    for (let index = from; index < engrams.length; index++) {
      const engram = engrams[index]!;
      const at = sqliteTimestamp(now - engram.ageDays * 86_400_000);
      const { lastInsertRowid } = insert.run(
        `bench-${index}`,
        agent,
        engram.text,
        Buffer.from(engram.vector.buffer),
        engram.importance,
        at,
        at,
      );
      const packed = packVector(engram.vector);
      vector.run(
        model,
        dimensions,
        bytesOf(packed.bits),
        bytesOf(packed.q8),
        packed.scale,
        at,
        Number(lastInsertRowid),
      );
      rowids[index] = Number(lastInsertRowid);
    }
  })();
  db.close();
}

function d1File(persist: string): string {
  const folder = path.join(persist, "miniflare-D1DatabaseObject");
  const name = readdirSync(folder).find((file) => file.endsWith(".sqlite") && file !== "metadata.sqlite");
  if (!name) throw new Error(`no D1 file in ${folder}`);
  return path.join(folder, name);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number) => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`);
const pad = (text: string, width: number) => text.padStart(width);

interface Sample {
  ms: number;
  wallMs: number;
  rowsRead: number;
  computeMs?: number;
  d1Ms?: number;
  sqlMs?: number;
  roundTrips?: number;
  cache?: string;
  backgroundMs?: number;
  ids: string[];
}

async function measure(runs: number, once: (round: number) => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let round = 0; round < runs; round++) samples.push(await once(round));
  return samples;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * b[index]!;
  return sum;
}

async function latency(bundle: WorkerBundle): Promise<void> {
  const persist = mkdtempSync(path.join(tmpdir(), "sos-bench-memory-"));
  try {
    let worker = startBenchWorker(bundle, persist);
    await applyLocalMigrations(await worker.getD1Database("DB"));
    await worker.dispose();

    const data = corpus();
    const engrams = Array.from({ length: sizes[sizes.length - 1]! }, (_, index) => syntheticEngram(data, index));
    const rowids: number[] = [];
    const next = prng(7);
    console.log(
      `agent '${agent}', ${dimensions}-dimension vectors, top_k ${k}; rows budget 3 × top_k + 10 = ${3 * k + 10}\n` +
        "times in the isolate, D1 round trips included (workerd's clock ticks in whole ms locally: p50/p99 are whole ms,\n" +
        "means are exact over many rounds); 'D1' is the mean wait for D1, 'scan' the mean of the vector scan and fusion in the worker;\n" +
        "rows are D1's rows_read, the accessed_at update (and a cold recall's background reads) included; scan recall@5: the vector scan's top 5 against exact float cosines;\n" +
        "cold: a new isolate, loading the vectors from their snapshot in KV above 5,000 of them (else from D1); cold from D1: no snapshot either\n" +
        "engrams | warm p50 | warm p99 | warm mean (D1 / scan) | rows/warm max | cold p50 | cold p99 | rows/cold | naive p50 | naive p99 | rows/naive | naive ÷ warm | scan recall@5",
    );
    let seeded = 0;
    for (const size of sizes) {
      const started = performance.now();
      seed(d1File(persist), engrams.slice(0, size), seeded, rowids);
      seeded = size;
      const seedSeconds = (performance.now() - started) / 1000;
      worker = startBenchWorker(bundle, persist);
      const queries = Array.from({ length: 200 }, () => syntheticQuery(engrams[Math.floor(next() * size)]!, next));
      const recallOnce = (round: number, cold?: "snapshot" | "d1") => {
        const query = queries[round % queries.length]!;
        return call<Sample>(worker, "/recall", { agent, k, query: query.text, vector: base64(query.vector), cold });
      };
      /**
       * Recalls (at least 20) until one answers warm in one round trip: after a cold load of sign
       * bits first, each recall's background fills one page of int8 vectors. How many it took.
       */
      const warmUp = async () => {
        let firstWarm: number | undefined;
        for (let round = 0; round < 1_000; round++) {
          const sample = await recallOnce(round);
          if (sample.roundTrips === 1 && sample.cache === "warm") firstWarm ??= round + 1;
          if (round >= 19 && firstWarm !== undefined) return firstWarm;
        }
        throw new Error("no warm one-trip recall after 1,000 recalls");
      };
      await recallOnce(0, "d1");
      const fillRecalls = await warmUp();
      const floor = await measure(300, () => call<Sample>(worker, "/d1", {}));
      const warm = await measure(rounds[size]!.warm, (round) => recallOnce(round));
      // Cold from D1 first: each writes the snapshot in its background, which the next ones load.
      const coldD1 = await measure(rounds[size]!.cold, (round) => recallOnce(round, "d1"));
      const cold = await measure(rounds[size]!.cold, (round) => recallOnce(round, "snapshot"));
      const naive = await measure(rounds[size]!.naive, (round) => {
        const query = queries[round % queries.length]!;
        return call<Sample>(worker, "/naive", { agent, k, vector: base64(query.vector) });
      });

      // The worker's own time: recalls made again against their recorded D1 answers, without I/O.
      const workerTime = async (cold: "snapshot" | "d1" | undefined, queryCount: number, rounds: number) => {
        const answerMs: number[] = [];
        const backgroundMs: number[] = [];
        const states = new Set<string>();
        for (const query of queries.slice(0, queryCount)) {
          const times = await call<{ answerMs: number[]; backgroundMs: number[]; cache: string }>(
            worker,
            "/worker-time",
            {
            agent,
            k,
            query: query.text,
            vector: base64(query.vector),
              ...(cold && { cold }),
              rounds,
            },
          );
          answerMs.push(...times.answerMs);
          backgroundMs.push(...times.backgroundMs);
          states.add(times.cache);
        }
        return { answerMs, backgroundMs, states: [...states].join("/") };
      };
      // The cold rounds left the set loaded sign bits first again: warm it before recording warm recalls.
      await warmUp();
      const warmWork = await workerTime(undefined, 20, 10);
      const coldD1Work = await workerTime("d1", rounds[size]!.coldWork, 2);
      const coldWork = await workerTime("snapshot", rounds[size]!.coldWork, 2);

      // The scan alone against exact float cosines over every vector.
      let hits = 0;
      const scanQueries = queries.slice(0, 40);
      for (const query of scanQueries) {
        const exact = engrams
          .slice(0, size)
          .map((engram, index) => ({ rowid: rowids[index]!, cosine: dot(query.vector, engram.vector) }))
          .sort((a, b) => b.cosine - a.cosine)
          .slice(0, k)
          .map((entry) => entry.rowid);
        const scanned = await call<{ rowids: number[] }>(worker, "/scan", { agent, k, vector: base64(query.vector) });
        hits += exact.filter((rowid) => scanned.rowids.includes(rowid)).length;
      }
      await worker.dispose();

      const p50 = (samples: Sample[], pick: (sample: Sample) => number = (sample) => sample.ms) =>
        percentile(samples.map(pick), 50);
      const p99 = (samples: Sample[]) =>
        percentile(
          samples.map((sample) => sample.ms),
          99,
        );
      const maxRows = (samples: Sample[]) => Math.max(...samples.map((sample) => sample.rowsRead));
      const mean = (samples: Sample[], pick: (sample: Sample) => number = (sample) => sample.ms) =>
        samples.reduce((sum, sample) => sum + pick(sample), 0) / samples.length;
      const warmStates = [...new Set(warm.map((sample) => sample.cache))].join("/");
      console.log(
        [
          pad(size.toLocaleString("en-US"), 7),
          pad(ms(p50(warm)), 8),
          pad(ms(p99(warm)), 8),
          pad(
            `${ms(mean(warm))} (${ms(mean(warm, (sample) => sample.d1Ms ?? 0))} / ${ms(mean(warm, (sample) => sample.computeMs ?? 0))})`,
            21,
          ),
          pad(String(maxRows(warm)), 13),
          pad(ms(p50(cold)), 8),
          pad(ms(p99(cold)), 8),
          pad(String(maxRows(cold)), 9),
          pad(ms(p50(naive)), 9),
          pad(ms(p99(naive)), 9),
          pad(String(maxRows(naive)), 10),
          pad(`${(mean(naive) / mean(warm)).toFixed(0)}× mean`, 12),
          pad((hits / (scanQueries.length * k)).toFixed(2), 13),
        ].join(" | "),
      );
      const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      const coldStates = [...new Set(cold.map((sample) => sample.cache))].join("/");
      const ownCold = (work: typeof coldWork) =>
        `${ms(average(work.answerMs))} to the answer (max ${ms(Math.max(...work.answerMs))}), ` +
        `then ${ms(average(work.backgroundMs))} in its background [cache ${work.states}]`;
      console.log(
        `        rounds: ${warm.length} warm [cache ${warmStates}], ${cold.length} cold [cache ${coldStates}] and ${coldD1.length} cold from D1, ${naive.length} naive; seeded in ${seedSeconds.toFixed(1)} s\n` +
          `        a warm recall makes ${mean(warm, (sample) => sample.roundTrips ?? 0).toFixed(2)} D1 round trips and waits ${ms(mean(warm, (sample) => sample.d1Ms ?? 0))} for D1, ` +
          `which runs its statements in ${ms(mean(warm, (sample) => sample.sqlMs ?? 0))} (D1's meta.duration); an empty round trip takes ${ms(mean(floor))}\n` +
          `        cold from D1 (no snapshot in KV: the first load, which writes it): p50 ${ms(p50(coldD1))}, p99 ${ms(p99(coldD1))}, rows ${maxRows(coldD1)}\n` +
          `        the worker's own time (the recall again against D1's and KV's recorded answers, no I/O; means): warm ${ms(average(warmWork.answerMs))} ` +
          `(${warmWork.answerMs.length} rounds); cold ${ownCold(coldWork)}; cold from D1 ${ownCold(coldD1Work)} (${coldWork.answerMs.length} rounds each)\n` +
          `        a cold load's int8 vectors follow a page per recall, in the recalls' background (${ms(mean(cold, (sample) => sample.backgroundMs ?? 0))} mean, I/O included): ` +
          `${fillRecalls} recall${fillRecalls === 1 ? "" : "s"} until one is warm in one round trip`,
      );
    }
  } finally {
    rmSync(persist, { recursive: true, force: true });
  }
}

async function quality(bundle: WorkerBundle): Promise<void> {
  const worker = startBenchWorker(bundle, false);
  try {
    await applyLocalMigrations(await worker.getD1Database("DB"));
    const stored = await call<{ ids: string[] }>(worker, "/remember", { agent, texts: conversationMemories });
    const modes = {
      "full text only": { text: true, vector: false },
      "vectors only": { text: false, vector: true },
      hybrid: { text: true, vector: true },
    };
    const kinds: QuestionKind[] = ["shared words", "word forms", "paraphrase"];
    console.log(
      `\nretrieval quality: ${conversationMemories.length} memories, ${conversationQuestions.length} questions with labelled answers, ` +
        "the hashing embedding (sos-hash-v1, no model)\n" +
        `mode           | recall@1 | recall@${k} | ${kinds.map((kind) => `recall@${k} ${kind} (${conversationQuestions.filter((q) => q.kind === kind).length})`).join(" | ")}`,
    );
    for (const [name, use] of Object.entries(modes)) {
      const at1: number[] = [];
      const atK: number[] = [];
      const byKind = new Map<QuestionKind, number[]>(kinds.map((kind) => [kind, []]));
      for (const question of conversationQuestions) {
        const found = await call<{ ids: string[] }>(worker, "/recall", { agent, k, query: question.question, use });
        const relevant = question.relevant.map((index) => stored.ids[index]!);
        const share = (ids: string[]) => relevant.filter((id) => ids.includes(id)).length / relevant.length;
        at1.push(share(found.ids.slice(0, 1)));
        atK.push(share(found.ids.slice(0, k)));
        byKind.get(question.kind)!.push(share(found.ids.slice(0, k)));
      }
      const mean = (values: number[]) => (values.reduce((sum, value) => sum + value, 0) / values.length).toFixed(2);
      console.log(
        [
          name.padEnd(14),
          pad(mean(at1), 8),
          pad(mean(atK), 8),
          ...kinds.map((kind) => pad(mean(byKind.get(kind)!), `recall@${k} ${kind} (00)`.length)),
        ].join(" | "),
      );
    }
  } finally {
    await worker.dispose();
  }
}

export default async function memoryRecall(): Promise<void> {
  const bundle = bundleModule("bench/memory-recall-worker.ts");
  await latency(bundle);
  await quality(bundle);
}
