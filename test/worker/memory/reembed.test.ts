import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker, type WorkerVars } from "../../../cli/local-worker";
import { defaultEmbedding, embed } from "../../support/fake-vendors";
import { useFakeVendors } from "../../support/use-fake-vendors";
import { defaultTestVars, deployedBase, testAgentKey } from "../../support/worker-harness";
import { vectorRows, waitFor } from "../../support/memory-vectors";

/**
 * A change of embedding model on a database that already holds engrams: the same D1 files, first
 * under the hashing embedding, then under OpenAI's model (faked; unscripted calls get the fake's
 * deterministic vectors). The stale vectors are embedded again in bounded batches in the background
 * and recall compares only vectors of the active model meanwhile.
 */
const count = 40;
const texts = Array.from({ length: count }, (_, index) => `Engram number ${index} mentions the token tok${index}x`);

let dir: string;
const { vendors, egress } = useFakeVendors();
let worker: LocalWorker | undefined;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sos-reembed-"));
});
afterAll(async () => {
  await worker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(vars: Partial<WorkerVars>): Promise<LocalWorker> {
  await worker?.close();
  worker = await startLocalWorker({
    vars: { ...defaultTestVars, ...vars },
    persistDir: dir,
    outbound: (request) => egress().outbound(request),
  });
  return worker;
}

async function request(method: string, route: string, body?: unknown) {
  const response = await worker!.miniflare.dispatchFetch(new URL(route, deployedBase).href, {
    method,
    headers: { authorization: `Bearer ${testAgentKey}`, "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function models(): Promise<Record<string, number>> {
  const rows = await vectorRows((await worker!.miniflare.getD1Database("DB")) as never);
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.model] = (counts[row.model] ?? 0) + 1;
  return counts;
}

const ids: string[] = [];

async function searchFor(index: number) {
  vendors().openai.script(embed([defaultEmbedding(texts[index]!)]));
  const response = await request("POST", "/api/memories/search", { query: "qqq", limit: 50 });
  expect(response.status).toBe(200);
  return response.body as { results: { id: string; similarity: number }[]; embedding_model: string };
}

describe("changing the embedding model", () => {
  it("starts with the hashing embedding's vectors", async () => {
    await start({ EMBEDDING_PROVIDER: "hash" });
    for (const text of texts) {
      const stored = await request("POST", "/api/memories", { text, core_concepts: ["reembed"] });
      expect(stored.status).toBe(201);
      ids.push(stored.body.id);
    }
    expect(await models()).toEqual({ "sos-hash-v1": count });
  });

  it("after the change, recall compares only the new model's vectors: none yet", async () => {
    await start({ EMBEDDING_PROVIDER: "openai", OPENAI_API_KEY: "sk-reembed-test-0001" });
    const found = await searchFor(5);
    expect(found.embedding_model).toBe("text-embedding-3-small");
    expect(found.results).toEqual([]);
  });

  it("re-embeds in a bounded batch per request, in the background", async () => {
    const after = await waitFor(async () => {
      const counts = await models();
      return counts["text-embedding-3-small"] === 32 ? counts : undefined;
    }, "the first batch");
    expect(after).toEqual({ "text-embedding-3-small": 32, "sos-hash-v1": count - 32 });
    const calls = vendors().openai.requests.filter((r) => (r.body as { input?: unknown[] }).input?.length === 32);
    expect(calls).toHaveLength(1);
  });

  it("recall is correct during it: re-embedded engrams are found, the others only once re-embedded", async () => {
    const found = await searchFor(5);
    expect(found.results[0]).toMatchObject({ id: ids[5], similarity: 1 });
    const notYet = new Set(ids.slice(32));
    expect(found.results.filter((result) => notYet.has(result.id))).toEqual([]);

    await waitFor(async () => (await models())["text-embedding-3-small"] === count, "the second batch");
    expect((await searchFor(38)).results[0]).toMatchObject({ id: ids[38], similarity: 1 });
  });

  it("keeps the new model's name and size with every vector", async () => {
    const rows = await vectorRows((await worker!.miniflare.getD1Database("DB")) as never);
    expect(rows).toHaveLength(count);
    for (const row of rows) {
      expect(row).toMatchObject({ model: "text-embedding-3-small", dims: 8, bits_bytes: 4, q8_bytes: 8 });
    }
  });
});
