import type { D1Database, D1PreparedStatement, KVNamespace } from "@cloudflare/workers-types/index";
import { createDb } from "../worker/db/database";
import { QueryMeter } from "../worker/db/engram-meter";
import type { Env } from "../worker/env";
import type { Embedder } from "../worker/memory/embedder";
import { ftsMatchExpression } from "../worker/memory/fts-query";
import { recall } from "../worker/memory/hybrid-recall";
import { memoryFor, type Memory } from "../worker/memory/memory-context";
import { remember } from "../worker/memory/remember";
import { currentVectorSet, forgetVectorCache, freshnessOf, freshnessQueries } from "../worker/memory/vector-cache";
import { deleteSnapshots } from "../worker/memory/vector-snapshot";
import { searchVectors } from "../worker/memory/vector-search";

/**
 * The benchmark's worker (bundled by memory-recall.bench.ts, run in workerd): the runtime's own
 * recall code behind a few routes, timed inside the isolate, next to a naive recall that reads every
 * embedding BLOB of the agent and computes float cosines in JavaScript. Not part of the deployed bundle.
 */

interface BenchEnv {
  DB: D1Database;
  /** The snapshots of large vector sets (the runtime keeps them in its SESSION namespace). */
  KV: KVNamespace;
}

/** The benchmark's vectors come precomputed; this stands in for a provider under their model name. */
const benchModel = "bench-768";

const benchEmbedder: Embedder = {
  model: benchModel,
  provider: undefined,
  semantic: true,
  embed: () => Promise.reject(new Error("the benchmark passes its query vectors")),
};

function decodeVector(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

interface RecallBody {
  agent: string;
  query: string;
  k: number;
  vector?: string;
  /**
   * A recall in a new isolate: the vector cache dropped first, the set then loaded from its snapshot
   * in KV (if one was written), or from D1 with every snapshot deleted first.
   */
  cold?: "snapshot" | "d1";
  use?: { text: boolean; vector: boolean };
  /** Mirror's `threshold`: the cosine a vector candidate needs. */
  vectorThreshold?: number;
}

/**
 * D1's answers to one recall, as JSON text, by batch (its statements' SQL: parameters such as the
 * time of an accessed_at update differ between runs); batches of the same SQL have their answers in
 * the order they were sent.
 */
type Tape = Map<string, string[]>;

interface TapedStatement {
  sql: string;
}

const batchKey = (statements: readonly TapedStatement[]) => JSON.stringify(statements.map(({ sql }) => sql));

/** `d1` for batches (all the memory engine sends), recording each answer on `tape`. */
function recordingD1(d1: D1Database, tape: Tape): D1Database {
  type Bound = TapedStatement & { statement: D1PreparedStatement };
  const prepare = (sql: string) => ({
    bind: (...params: unknown[]): Bound => ({ sql, statement: d1.prepare(sql).bind(...params) }),
  });
  const batch = async (statements: Bound[]) => {
    const results = await d1.batch(statements.map((bound) => bound.statement));
    const key = batchKey(statements);
    tape.set(key, [...(tape.get(key) ?? []), JSON.stringify(results)]);
    return results;
  };
  return { prepare, batch } as unknown as D1Database;
}

/** KV's answers to one recall's reads, by key, in the order they were made. */
type KvTape = Map<string, (ArrayBuffer | null)[]>;

/** `kv` for what the memory engine asks of it, recording what `get` answered. */
function recordingKv(kv: KVNamespace, tape: KvTape): KVNamespace {
  const get = async (key: string) => {
    const value = await kv.get(key, "arrayBuffer");
    tape.set(key, [...(tape.get(key) ?? []), value && value.slice(0)]);
    return value;
  };
  return {
    get,
    put: kv.put.bind(kv),
    list: kv.list.bind(kv),
    delete: kv.delete.bind(kv),
  } as unknown as KVNamespace;
}

/**
 * A KV that answers `get` from `tape` without I/O, each value a fresh copy (as a read from KV
 * arrives); writes are done with (their encoding is the worker's own time, their I/O is not).
 */
function replayingKv(tape: KvTape): KVNamespace {
  const played = new Map<string, number>();
  const get = (key: string) => {
    const index = played.get(key) ?? 0;
    const answers = tape.get(key);
    if (!answers || index >= answers.length) return Promise.reject(new Error(`not recorded: KV ${key}`));
    played.set(key, index + 1);
    return Promise.resolve(answers[index] === null ? null : answers[index]!.slice(0));
  };
  return {
    get,
    put: () => Promise.resolve(),
    list: () => Promise.resolve({ keys: [], list_complete: true, cacheStatus: null }),
    delete: () => Promise.resolve(),
  } as unknown as KVNamespace;
}

/**
 * A D1 that answers from `tape` without I/O, parsing each answer from JSON as the binding does: a
 * recall against it takes the worker's own time only. Anything not recorded throws.
 */
function replayingD1(tape: Tape): D1Database {
  const played = new Map<string, number>();
  const prepare = (sql: string) => ({ bind: (): TapedStatement => ({ sql }) });
  const batch = (statements: TapedStatement[]) => {
    const key = batchKey(statements);
    const index = played.get(key) ?? 0;
    const answer = tape.get(key)?.[index];
    if (answer === undefined) return Promise.reject(new Error(`not recorded: ${key.slice(0, 200)}`));
    played.set(key, index + 1);
    return Promise.resolve(JSON.parse(answer));
  };
  return { prepare, batch } as unknown as D1Database;
}

function benchMemory(d1: D1Database, kv: KVNamespace, body: RecallBody): Memory {
  return body.vector
    ? { d1, db: createDb(d1), kv, embedder: benchEmbedder }
    : memoryFor({ DB: d1, SESSION: kv, EMBEDDING_PROVIDER: "hash" } as unknown as Env);
}

/** Drops the isolate's vectors (and, for a load from D1, every snapshot): the next recall is cold. */
async function goCold(env: BenchEnv, cold: RecallBody["cold"]): Promise<void> {
  if (cold === undefined) return;
  forgetVectorCache();
  if (cold === "d1") await deleteSnapshots(env.KV);
}

function recallRequest(body: RecallBody, queryVector: Float32Array | undefined) {
  return {
    agent: body.agent,
    query: body.query,
    limit: body.k,
    ...(queryVector && { queryVector }),
    ...(body.use && { use: body.use }),
    ...(body.vectorThreshold !== undefined && { vectorThreshold: body.vectorThreshold }),
  };
}

async function benchRecall(env: BenchEnv, body: RecallBody) {
  await goCold(env, body.cold);
  // The query's vector arrives as base64 here; a provider's embedding would arrive as numbers.
  const queryVector = body.vector ? decodeVector(body.vector) : undefined;
  const { ms, value } = await timed(() =>
    recall(benchMemory(env.DB, env.KV, body), recallRequest(body, queryVector)),
  );
  // The accessed_at update and, after a cold load of sign bits first, the rest of the int8 vectors.
  const background = await timed(() => value.background);
  return {
    ms,
    ids: value.results.map((row) => row.id),
    ...value.trace,
    rowsRead: value.trace.rowsRead + background.value,
    backgroundMs: background.ms,
  };
}

/**
 * The worker's own time for a recall: the recall is made once against D1 and KV with their answers
 * recorded, then `rounds` times against the recording (no I/O; the JSON parsing of D1's answers and
 * a copy of each value KV returned included).
 */
async function workerTime(env: BenchEnv, body: RecallBody & { rounds: number }) {
  const queryVector = body.vector ? decodeVector(body.vector) : undefined;
  const tape: Tape = new Map();
  const kvTape: KvTape = new Map();
  await goCold(env, body.cold);
  const recorded = await recall(
    benchMemory(recordingD1(env.DB, tape), recordingKv(env.KV, kvTape), body),
    recallRequest(body, queryVector),
  );
  await recorded.background;
  const answerMs: number[] = [];
  const backgroundMs: number[] = [];
  for (let round = 0; round < body.rounds; round++) {
    if (body.cold) forgetVectorCache();
    const { ms, value } = await timed(() =>
      recall(benchMemory(replayingD1(tape), replayingKv(kvTape), body), recallRequest(body, queryVector)),
    );
    answerMs.push(ms);
    backgroundMs.push((await timed(() => value.background)).ms);
    const ids = value.results.map((row) => row.id).join();
    if (ids !== recorded.results.map((row) => row.id).join()) throw new Error("a replayed recall answered differently");
  }
  return { answerMs, backgroundMs, cache: recorded.trace.cache };
}

/** The vector scan alone (no full text, no weights), for its recall against exact float cosines. */
async function benchScan(env: BenchEnv, body: { agent: string; vector: string; k: number }) {
  const db = createDb(env.DB);
  const meter = new QueryMeter(env.DB);
  const freshness = freshnessQueries({ db }, body.agent, benchModel);
  const fresh = await meter.runNamed(freshness.queries);
  const { set } = await currentVectorSet(meter, { db }, body.agent, benchModel, freshnessOf(fresh, undefined));
  const { nearest } = await searchVectors(meter, db, set, decodeVector(body.vector), { limit: body.k, floor: -1 });
  return { rowids: nearest.map((entry) => entry.rowid) };
}

/** Reads every embedding BLOB of the agent (pages of 2,000 rows) and ranks by float cosine. */
async function naiveRecall(env: BenchEnv, body: { agent: string; vector: string; k: number }) {
  const query = decodeVector(body.vector);
  let rowsRead = 0;
  const { ms, value } = await timed(async () => {
    const best: { id: string; cosine: number }[] = [];
    let after = 0;
    while (true) {
      const page = await env.DB.prepare(
        "SELECT rowid, id, embedding FROM engrams WHERE agent = ? AND rowid > ? ORDER BY rowid LIMIT 2000",
      )
        .bind(body.agent, after)
        .all<{ rowid: number; id: string; embedding: number[] | null }>();
      rowsRead += page.meta.rows_read;
      for (const row of page.results) {
        if (!row.embedding) continue;
        const vector = new Float32Array(new Uint8Array(row.embedding).buffer);
        let dot = 0;
        let norm = 0;
        for (let index = 0; index < vector.length; index++) {
          dot += query[index]! * vector[index]!;
          norm += vector[index]! * vector[index]!;
        }
        const cosine = dot / Math.sqrt(norm);
        if (best.length < body.k || cosine > best[best.length - 1]!.cosine) {
          best.push({ id: row.id, cosine });
          best.sort((a, b) => b.cosine - a.cosine);
          if (best.length > body.k) best.pop();
        }
      }
      if (page.results.length < 2000) break;
      after = page.results[page.results.length - 1]!.rowid;
    }
    const ids = best.map((entry) => entry.id);
    const rows = await env.DB.prepare(`SELECT * FROM engrams WHERE id IN (${ids.map(() => "?").join(",")})`)
      .bind(...ids)
      .all();
    rowsRead += rows.meta.rows_read;
    return ids;
  });
  return { ms, ids: value, rowsRead };
}

async function benchRemember(env: BenchEnv, body: { agent: string; texts: string[] }) {
  const memory = memoryFor({ DB: env.DB, EMBEDDING_PROVIDER: "hash" } as unknown as Env);
  const ids: string[] = [];
  for (const text of body.texts) ids.push((await remember(memory, { agent: body.agent, text })).row.id);
  return { ids };
}

/**
 * Plain FTS5 bm25 over the same engrams, the floor recall is measured against: the OR of every
 * content word of the question (stopwords out, as recall leaves them out), no selection, over the
 * unicode61 index (0001) or the porter one (0004).
 */
async function plainBm25(
  env: BenchEnv,
  body: { agent: string; query: string; k: number; index: "unicode61" | "porter" },
) {
  const match = ftsMatchExpression(body.query);
  if (match === undefined) return { ids: [] };
  const table = body.index === "porter" ? "engrams_fts_porter" : "engrams_fts";
  const rows = await env.DB.prepare(
    `SELECT e.id FROM ${table} JOIN engrams e ON e.rowid = ${table}.rowid WHERE ${table} MATCH ? AND e.agent = ? ORDER BY bm25(${table}) LIMIT ?`,
  )
    .bind(match, body.agent, body.k)
    .all<{ id: string }>();
  return { ids: rows.results.map((row) => row.id) };
}

/** The floor under every recall here: one D1 round trip that does nothing. */
async function d1RoundTrip(env: BenchEnv) {
  const { ms } = await timed(() => env.DB.batch([env.DB.prepare("SELECT 1")]));
  return { ms };
}

const routes: Record<string, (env: BenchEnv, body: never) => Promise<unknown>> = {
  "/d1": d1RoundTrip,
  "/worker-time": workerTime,
  "/recall": benchRecall,
  "/scan": benchScan,
  "/naive": naiveRecall,
  "/remember": benchRemember,
  "/plain": plainBm25,
};

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const route = routes[new URL(request.url).pathname];
    if (!route) return new Response("not found", { status: 404 });
    try {
      return Response.json(await route(env, (await request.json()) as never));
    } catch (error) {
      return Response.json({ error: error instanceof Error ? error.stack : String(error) }, { status: 500 });
    }
  },
};
