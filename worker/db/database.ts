import type { D1Database } from "@cloudflare/workers-types/index";
import { Kysely, type ColumnType } from "kysely";
import { D1Dialect } from "kysely-d1";

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

/** wrangler's bookkeeping table, created by the migration runner (stack/migration-plan.ts). */
export interface D1MigrationsTable {
  id: ReadOnly<number>;
  name: string | null;
  applied_at: Defaulted<string>;
}

export type Db = Kysely<Database>;

export function createDb(d1: D1Database): Db {
  return new Kysely<Database>({ dialect: new D1Dialect({ database: d1 }) });
}
