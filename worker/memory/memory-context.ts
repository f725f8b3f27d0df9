import type { D1Database, KVNamespace } from "@cloudflare/workers-types/index";
import { createDb, type Db } from "../db/database";
import type { Env } from "../env";
import { embeddingModelFacts } from "../llm/provider-catalog";
import { embedderFor, type Embedder } from "./embedder";

/** What the memory engine works with: the database, and the embedder the configuration picks. */
export interface Memory {
  d1: D1Database;
  db: Db;
  /** Where large vector sets keep their snapshot (vector-snapshot.ts): the SESSION namespace. */
  kv?: KVNamespace | undefined;
  embedder: Embedder;
  /** The agent's name, which starts the reply in a stored chat exchange (near-duplicate.ts). */
  speaker?: string;
}

export function memoryFor(env: Env): Memory {
  return { d1: env.DB, db: createDb(env.DB), kv: env.SESSION, embedder: embedderFor(env), speaker: env.AGENT_NAME };
}

/**
 * Storing a text at least this similar to an engram of the same agent, and a near-duplicate in
 * words too (near-duplicate.ts), merges into it.
 */
export const nearDuplicateCosine = 0.92;

/** The cosine below which a vector match of a model is not a match (provider-catalog.ts). */
export function similarityFloor(model: string): number {
  return embeddingModelFacts(model)?.similarityFloor ?? 0.3;
}

/** Logs a memory failure without user content: the event, and the error's class. */
export function logMemoryFailure(event: string, error: unknown): void {
  console.error(JSON.stringify({ event, error: error instanceof Error ? error.name : typeof error }));
}
