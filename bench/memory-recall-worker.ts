import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types/index";
import { createDb } from "../worker/db/database";
import { QueryMeter } from "../worker/db/engram-meter";
import type { Env } from "../worker/env";
import type { Embedder } from "../worker/memory/embedder";
import { recall } from "../worker/memory/hybrid-recall";
import { memoryFor, type Memory } from "../worker/memory/memory-context";
import { remember } from "../worker/memory/remember";
import { currentVectorSet, forgetVectorCache, freshnessQueries } from "../worker/memory/vector-cache";
import { searchVectors } from "../worker/memory/vector-search";

/**
 * The benchmark's worker (bundled by memory-recall.bench.ts, run in workerd): the runtime's own
 * recall code behind a few routes, timed inside the isolate, next to a naive recall that reads every
 * embedding BLOB of the agent and computes float cosines in JavaScript. Not part of the deployed bundle.
 */

interface BenchEnv {
  DB: D1Database;
}

/** The benchmark's vectors come precomputed; this stands in for a provider under their model name. */
const benchModel = "bench-768";

const benchEmbedder: Embedder = {
  model: benchModel,
  provider: undefined,
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
  cold?: boolean;
  use?: { text: boolean; vector: boolean };
  /** Keep the statements of the recall's first D1 batch, for `/replay`. */
  record?: boolean;
}

interface RecordedStatement {
  sql: string;
  params: unknown[];
}

/** The first D1 batch of the last recall asked to record it (kept in the isolate between requests). */
let recordedBatch: RecordedStatement[] = [];

/** `d1` for a recall's own batches, remembering what each one sent. */
function recordingD1(d1: D1Database, batches: RecordedStatement[][]): D1Database {
  type Bound = RecordedStatement & { statement: D1PreparedStatement };
  const prepare = (sql: string) => ({
    bind: (...params: unknown[]): Bound => ({ sql, params, statement: d1.prepare(sql).bind(...params) }),
  });
  const batch = (statements: Bound[]) => {
    batches.push(statements.map(({ sql, params }) => ({ sql, params })));
    return d1.batch(statements.map((bound) => bound.statement));
  };
  return { prepare, batch } as unknown as D1Database;
}

async function benchRecall(env: BenchEnv, body: RecallBody) {
  const batches: RecordedStatement[][] = [];
  const d1 = body.record ? recordingD1(env.DB, batches) : env.DB;
  const memory: Memory = body.vector
    ? { d1, db: createDb(env.DB), embedder: benchEmbedder }
    : memoryFor({ DB: env.DB, EMBEDDING_PROVIDER: "hash" } as unknown as Env);
  if (body.cold) forgetVectorCache();
  // The query's vector arrives as base64 here; a provider's embedding would arrive as numbers.
  const queryVector = body.vector ? decodeVector(body.vector) : undefined;
  const { ms, value } = await timed(() =>
    recall(memory, {
      agent: body.agent,
      query: body.query,
      limit: body.k,
      ...(queryVector && { queryVector }),
      ...(body.use && { use: body.use }),
    }),
  );
  // The accessed_at update and, after a cold load of sign bits first, the rest of the int8 vectors.
  const background = await timed(() => value.background);
  if (body.record) recordedBatch = batches[0] ?? [];
  return {
    ms,
    ids: value.results.map((row) => row.id),
    ...value.trace,
    rowsRead: value.trace.rowsRead + background.value,
    backgroundMs: background.ms,
  };
}

/** The vector scan alone (no full text, no weights), for its recall against exact float cosines. */
async function benchScan(env: BenchEnv, body: { agent: string; vector: string; k: number }) {
  const db = createDb(env.DB);
  const meter = new QueryMeter(env.DB);
  const freshness = freshnessQueries(db, body.agent, benchModel);
  const fresh = await meter.runNamed({ state: freshness.state, changes: freshness.changes });
  const { set } = await currentVectorSet(meter, db, body.agent, benchModel, {
    state: fresh.state[0],
    changes: fresh.changes,
  });
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

/** The floor under every recall here: one D1 round trip that does nothing. */
async function d1RoundTrip(env: BenchEnv) {
  const { ms } = await timed(() => env.DB.batch([env.DB.prepare("SELECT 1")]));
  return { ms };
}

/** The recorded batch of a warm recall sent again on its own: D1's part of that recall, without the worker's. */
async function replayBatch(env: BenchEnv) {
  const statements = recordedBatch.map(({ sql, params }) => env.DB.prepare(sql).bind(...params));
  const { ms } = await timed(() => env.DB.batch(statements));
  return { ms, statements: statements.length };
}

const routes: Record<string, (env: BenchEnv, body: never) => Promise<unknown>> = {
  "/d1": d1RoundTrip,
  "/replay": replayBatch,
  "/recall": benchRecall,
  "/scan": benchScan,
  "/naive": naiveRecall,
  "/remember": benchRemember,
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
