import type { D1Database } from "@cloudflare/workers-types/index";
import { Kysely, type ColumnType } from "kysely";
import { CurrentD1Dialect } from "./d1-dialect";

/**
 * The D1 tables as schema/*.sql creates them, column for column (nullability included). This is
 * the only description of the database in the worker; queries live beside it in worker/db/.
 */
export interface Database {
  engrams: EngramsTable;
  engrams_fts: EngramsFtsTable;
  agent_state: AgentStateTable;
  contacts: ContactsTable;
  contact_rate_limits: ContactRateLimitsTable;
  engrams_fts_vocab: EngramsFtsVocabTable;
  engrams_fts_porter: EngramsFtsPorterTable;
  engrams_fts_porter_vocab: EngramsFtsVocabTable;
  engram_vectors: EngramVectorsTable;
  memory_changes: MemoryChangesTable;
  memory_change_floor: MemoryChangeFloorTable;
  conversations: ConversationsTable;
  conversation_messages: ConversationMessagesTable;
  conversations_fts: ConversationsFtsTable;
  conversation_messages_fts: ConversationMessagesFtsTable;
  d1_migrations: D1MigrationsTable;
}

/** SQLite DATETIME text in UTC: `YYYY-MM-DD HH:MM:SS` (CURRENT_TIMESTAMP) or with `.SSS` (the worker). */
export type Timestamp = string;

/** A column with a DEFAULT: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
/** Readable only: rowid, and the FTS table that triggers maintain. */
type ReadOnly<T> = ColumnType<T, never, never>;

/** schema/0001_init.sql */
export interface EngramsTable {
  rowid: ReadOnly<number>;
  id: string;
  agent: string;
  context_id: string | null;
  text: string;
  /** D1 returns a BLOB as an array of bytes. */
  embedding: ColumnType<number[] | null, Uint8Array | null | undefined, Uint8Array | null>;
  /** JSON array of strings. */
  epistemic_truths: string | null;
  /** JSON array of strings. */
  core_concepts: string | null;
  affective_vibe: string | null;
  created_at: Defaulted<Timestamp | null>;
  accessed_at: Timestamp | null;
  importance: Defaulted<number | null>;
  updated_at: Defaulted<Timestamp | null>;
  ref_count: Defaulted<number>;
}

/** schema/0001_init.sql: external-content FTS5 over engrams, written only by its triggers. */
export interface EngramsFtsTable {
  rowid: ReadOnly<number>;
  /** The hidden column named after the table: the left side of MATCH. */
  engrams_fts: ReadOnly<string>;
  text: ReadOnly<string | null>;
  core_concepts: ReadOnly<string | null>;
  epistemic_truths: ReadOnly<string | null>;
}

/** schema/0004_memory_stemmed_fts.sql: the same columns, porter-stemmed; its vocabulary is engrams_fts_porter_vocab. */
export interface EngramsFtsPorterTable {
  rowid: ReadOnly<number>;
  engrams_fts_porter: ReadOnly<string>;
  text: ReadOnly<string | null>;
  core_concepts: ReadOnly<string | null>;
  epistemic_truths: ReadOnly<string | null>;
}

/** schema/0001_init.sql */
export interface AgentStateTable {
  agent: string;
  /** JSON: {"inner": {...}, "outer": {...}} */
  uv_16d: string | null;
  coherence: number | null;
  last_sync: Timestamp | null;
}

/** schema/0002_contacts.sql */
export interface ContactsTable {
  id: string;
  from_agent: string;
  from_name: string | null;
  reply_to: string | null;
  subject: string | null;
  message: string;
  received_at: Defaulted<Timestamp>;
}

/** schema/0002_contacts.sql */
export interface ContactRateLimitsTable {
  caller: string;
  window_start: number;
  count: Defaulted<number>;
}

/** A BLOB column: D1 returns an array of bytes (reads of many rows use `hex()` instead, see engram-vector-queries.ts). */
type BlobColumn = ColumnType<number[] | null, Uint8Array | null | undefined, Uint8Array | null>;

/** schema/0003_memory_vectors.sql: fts5vocab over engrams_fts, one row per indexed word. */
export interface EngramsFtsVocabTable {
  term: ReadOnly<string>;
  /** Engrams holding the word. */
  doc: ReadOnly<number>;
  /** Occurrences in all engrams. */
  cnt: ReadOnly<number>;
}

/** schema/0003_memory_vectors.sql: one row per engram (a trigger inserts it), `model` '' until embedded. */
export interface EngramVectorsTable {
  engram_rowid: number;
  engram_id: string;
  agent: string;
  model: Defaulted<string>;
  dims: number | null;
  /** Sign bits, ceil(dims / 32) little-endian 32-bit words. */
  bits: BlobColumn;
  /** The unit vector as int8; component i is about q8[i] * scale. */
  q8: BlobColumn;
  scale: number | null;
  /** Copies of the engram's importance and updated_at, kept by triggers. */
  importance: number | null;
  updated_at: Timestamp | null;
  embedded_at: Timestamp | null;
}

/** schema/0003_memory_vectors.sql: written only by the engram_vectors triggers. */
export interface MemoryChangesTable {
  seq: ReadOnly<number>;
  agent: string;
  engram_rowid: number;
}

/** schema/0003_memory_vectors.sql: a single row (id 1). */
export interface MemoryChangeFloorTable {
  id: number;
  seq: number;
}

/** schema/0005_conversations.sql */
export interface ConversationsTable {
  rowid: ReadOnly<number>;
  id: string;
  agent: string;
  title: string;
  /** 'message' (the first message's first line), 'model' or 'user'. */
  title_source: Defaulted<string>;
  /** 0 or 1. */
  pinned: Defaulted<number>;
  /** 0 or 1: 0 when no memory may be made of it. */
  remember: Defaulted<number>;
  /** 0 or 1: 1 for a temporary chat (never listed, no memory, dropped with its session). */
  temporary: Defaulted<number>;
  provider: string | null;
  model: string | null;
  /** The last message of the path shown. */
  leaf_id: string | null;
  created_at: Defaulted<Timestamp>;
  updated_at: Defaulted<Timestamp>;
}

/** schema/0005_conversations.sql: one message; `parent_id` makes the versions a tree. */
export interface ConversationMessagesTable {
  rowid: ReadOnly<number>;
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  /** 'complete', 'streaming', 'interrupted', 'stopped' or 'failed'. */
  status: Defaulted<string>;
  error_code: string | null;
  error_message: string | null;
  finish_reason: string | null;
  provider: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  engram_id: string | null;
  created_at: Defaulted<Timestamp>;
  updated_at: Defaulted<Timestamp>;
}

/** schema/0005_conversations.sql: external-content FTS5 over titles, written only by its triggers. */
export interface ConversationsFtsTable {
  rowid: ReadOnly<number>;
  conversations_fts: ReadOnly<string>;
  title: ReadOnly<string | null>;
}

/** schema/0005_conversations.sql: external-content FTS5 over message contents. */
export interface ConversationMessagesFtsTable {
  rowid: ReadOnly<number>;
  conversation_messages_fts: ReadOnly<string>;
  content: ReadOnly<string | null>;
}

/** wrangler's bookkeeping table, created by the migration runner (stack/migration-plan.ts). */
export interface D1MigrationsTable {
  id: ReadOnly<number>;
  name: string | null;
  applied_at: Defaulted<string>;
}

export type Db = Kysely<Database>;

export function createDb(d1: D1Database): Db {
  return new Kysely<Database>({ dialect: new CurrentD1Dialect({ database: d1 }) });
}
