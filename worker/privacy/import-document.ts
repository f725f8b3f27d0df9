import type { Env } from "../env";
import { QueryMeter } from "../db/engram-meter";
import {
  upsertAgentStatesQueries,
  upsertContactsQueries,
  type RestoredAgentState,
  type RestoredContact,
  type RestoredEngram,
  type RestoredVector,
} from "../db/import-queries";
import { fromIso } from "../db/timestamps";
import { restoredConversation } from "../conversations/conversation-backup";
import { upsertConversationsQueries, upsertMessagesQueries } from "../db/conversation-backup-queries";
import type { Memory } from "../memory/memory-context";
import { prepareEngramRestore } from "../memory/restore-engrams";
import {
  base64Bytes,
  type ImportDocument,
  type ImportedAgentState,
  type ImportedContact,
  type ImportedConversation,
  type ImportedEngram,
  type ImportedSession,
} from "../schemas/import";
import { restoreSession } from "../sessions/session-store";
import type { ExportDocument } from "./export-document";

export interface ImportCounts {
  engrams: number;
  agent_state: number;
  sessions: number;
  contacts: number;
  conversations: number;
}

export interface ImportResult {
  /** Items written: inserted, or updated because the stored one differed. */
  imported: ImportCounts;
  /** Items already stored exactly so: left untouched. */
  unchanged: ImportCounts;
  /** Sessions whose lifetime (SESSION_TTL_SECONDS after their last message) was over: not written. */
  skipped?: { sessions: number };
  /**
   * Engrams of this request that needed a vector of the active model: given the backup's (it was of
   * that model), embedded now, or left to the background upkeep.
   */
  embedding: { model: string; restored: number; embedded: number; pending: number };
}

/**
 * Takes back a part of an export document (validated as a whole beforehand). The D1 rows go in one
 * batch, a single transaction: engrams with their vectors, agent states, contact messages. The
 * sessions go to KV after it; a retry after a failure there writes nothing twice, as every write
 * is an upsert by key.
 */
export async function importDocument(
  env: Env,
  memory: Memory,
  document: ImportDocument,
  now = Date.now(),
): Promise<ImportResult> {
  const meter = new QueryMeter(memory.d1);
  const engrams = (document.engrams ?? []).map(storedEngram);
  const vectors = new Map((document.engrams ?? []).flatMap(restoredVector));
  const states = (document.agent_state ?? []).map(storedAgentState);
  const contacts = (document.contacts ?? []).map(storedContact);
  const conversations = (document.conversations ?? []).map(restoredConversation);
  const restore = await prepareEngramRestore(meter, memory, engrams, vectors);
  const written = await meter.runNamed({
    engrams: restore.queries.engrams,
    vectors: restore.queries.vectors,
    states: upsertAgentStatesQueries(memory.db, states),
    contacts: upsertContactsQueries(memory.db, contacts),
    conversations: upsertConversationsQueries(
      memory.db,
      conversations.map((item) => item.conversation),
    ),
    messages: upsertMessagesQueries(
      memory.db,
      conversations.flatMap((item) => item.messages),
    ),
  });
  // A conversation counts as written when its row or any of its messages was.
  const conversationsWritten = new Set([
    ...written.conversations.map((row) => String(row["id"])),
    ...written.messages.map((row) => String(row["conversation_id"])),
  ]).size;
  const sessions = await Promise.all((document.sessions ?? []).map((session) => restoreSession(env, session, now)));
  const outcomes = (outcome: string) => sessions.filter((result) => result === outcome).length;

  const imported = {
    engrams: written.engrams.length,
    agent_state: written.states.length,
    sessions: outcomes("written"),
    contacts: written.contacts.length,
    conversations: conversationsWritten,
  };
  const skipped = outcomes("expired");
  return {
    imported,
    unchanged: {
      engrams: engrams.length - imported.engrams,
      agent_state: states.length - imported.agent_state,
      sessions: outcomes("unchanged"),
      contacts: contacts.length - imported.contacts,
      conversations: conversations.length - imported.conversations,
    },
    ...(skipped > 0 && { skipped: { sessions: skipped } }),
    embedding: {
      model: restore.model,
      restored: restore.restored,
      embedded: restore.embedded,
      pending: restore.pending,
    },
  };
}

/** The row an exported engram was read from (memoryView's inverse). */
function storedEngram(engram: ImportedEngram): RestoredEngram {
  return {
    id: engram.id,
    agent: engram.agent,
    context_id: engram.context_id,
    text: engram.text,
    // A store without lists leaves them NULL; the export reads NULL and '[]' alike as [].
    epistemic_truths: storedList(engram.epistemic_truths),
    core_concepts: storedList(engram.core_concepts),
    affective_vibe: engram.affective_vibe,
    created_at: fromIso(engram.created_at),
    accessed_at: fromIso(engram.accessed_at),
    importance: engram.importance,
    updated_at: fromIso(engram.updated_at),
    ref_count: engram.ref_count,
  };
}

/** The engram's vector as its row stores it, keyed by the engram's id; none when the backup has none. */
function restoredVector({ id, embedding }: ImportedEngram): [string, RestoredVector][] {
  if (embedding === null) return [];
  const { model, dims, scale } = embedding;
  return [[id, { model, dims, scale, bits: base64Bytes(embedding.bits), q8: base64Bytes(embedding.q8) }]];
}

function storedList(items: string[]): string | null {
  return items.length === 0 ? null : JSON.stringify(items);
}

/** The stored column as it was; coherence as every write of the state computes it (what was exported). */
function storedAgentState(state: ImportedAgentState): RestoredAgentState {
  return {
    agent: state.agent,
    uv_16d: state.stored_uv_16d,
    coherence: state.coherence,
    last_sync: fromIso(state.last_sync),
  };
}

function storedContact(contact: ImportedContact): RestoredContact {
  return { ...contact, received_at: fromIso(contact.received_at) };
}

/**
 * Each imported item has exactly the fields and types of the exported one (the schemas add only
 * limits), so the schemas and the export cannot drift apart unnoticed.
 */
type Matches<Imported, Exported> = [Imported, Exported] extends [Exported, Imported]
  ? [keyof Imported, keyof Exported] extends [keyof Exported, keyof Imported]
    ? true
    : false
  : false;
const itemsMatchExport: [
  Matches<ImportedEngram, ExportDocument["engrams"][number]>,
  Matches<ImportedAgentState, ExportDocument["agent_state"][number]>,
  Matches<ImportedSession, ExportDocument["sessions"][number]>,
  Matches<ImportedContact, ExportDocument["contacts"][number]>,
  Matches<ImportedConversation, ExportDocument["conversations"][number]>,
] = [true, true, true, true, true];
void itemsMatchExport;
