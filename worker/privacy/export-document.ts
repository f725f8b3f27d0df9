import type { Env } from "../env";
import type { Db } from "../db/database";
import { latestMigrationName } from "../db/migration-queries";
import { readAllContents, type FullEngramRow } from "../db/privacy-queries";
import type { AgentStateRow } from "../db/state-queries";
import { contactView } from "../contact/contact-view";
import { toIso } from "../db/timestamps";
import { memoryView } from "../memory/engram-view";
import { decodeHex } from "../memory/vector-codec";
import { readAllSessions } from "../sessions/session-store";
import { metrics, parseStoredUv16d } from "../state/uv16d";
import { runtimeVersion } from "../version";
import { agentId } from "../agent";
import { exportedConversation } from "../conversations/conversation-backup";
import { readAllConversations } from "../db/conversation-backup-queries";

export const exportFormat = "sos-export/1";

/**
 * An engram's vector as engram_vectors stores it (worker/memory/vector-codec.ts), the BLOBs in base64:
 * `bits` the sign bits (little-endian 32-bit words), `q8` the unit vector as int8, component i about
 * q8[i] * scale. Null until the engram is embedded.
 */
export interface ExportedVector {
  /** The embedding model, e.g. `@cf/baai/bge-base-en-v1.5`, `sos-hash-v1`. */
  model: string;
  dims: number;
  scale: number;
  bits: string;
  q8: string;
}

/** The document; POST /api/import takes back its lists, item for item (worker/schemas/import.ts). */
export type ExportDocument = Awaited<ReturnType<typeof buildExport>>;

/** Everything this deployment stores, as one JSON document (GET /api/export). */
export async function buildExport(env: Env, db: Db) {
  const [contents, sessions, schemaVersion, stored] = await Promise.all([
    readAllContents(db),
    readAllSessions(env),
    latestMigrationName(db),
    readAllConversations(db),
  ]);
  const messagesOf = new Map<string, (typeof stored.messages)[number][]>();
  for (const message of stored.messages) {
    messagesOf.set(message.conversation_id, [...(messagesOf.get(message.conversation_id) ?? []), message]);
  }
  const conversations = stored.conversations.map((row) => exportedConversation(row, messagesOf.get(row.id) ?? []));
  const engrams = contents.engrams.map(exportedEngram);
  const agentState = contents.agentState.map(exportedState);
  const contacts = contents.contacts.map(contactView);
  return {
    format: exportFormat,
    exported_at: new Date().toISOString(),
    agent_id: agentId(env),
    runtime_version: runtimeVersion,
    schema_version: schemaVersion ?? null,
    counts: {
      engrams: engrams.length,
      agent_state: agentState.length,
      sessions: sessions.length,
      contacts: contacts.length,
      conversations: conversations.length,
    },
    engrams,
    agent_state: agentState,
    sessions,
    contacts,
    conversations,
  };
}

/**
 * An engram with its vector, so a restore under the same embedding model need not embed it again
 * (under another model it is embedded anew, as a stored text is).
 */
function exportedEngram(row: FullEngramRow) {
  const { vector_model, vector_dims, vector_scale, vector_bits, vector_q8, ...engram } = row;
  const embedding: ExportedVector | null =
    vector_model && vector_dims && vector_scale !== null && vector_bits && vector_q8
      ? {
          model: vector_model,
          dims: vector_dims,
          scale: vector_scale,
          bits: hexToBase64(vector_bits),
          q8: hexToBase64(vector_q8),
        }
      : null;
  return { ...memoryView(engram), embedding };
}

function exportedState(row: AgentStateRow) {
  const uv = parseStoredUv16d(row.uv_16d);
  return { agent: row.agent, uv_16d: uv, ...metrics(uv), stored_uv_16d: row.uv_16d, last_sync: toIso(row.last_sync) };
}

function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length >>> 1);
  decodeHex(hex, bytes, 0);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
