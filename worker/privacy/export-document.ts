import type { Env } from "../env";
import type { Db } from "../db/database";
import { latestMigrationName } from "../db/migration-queries";
import { readAllContents, type FullEngramRow } from "../db/privacy-queries";
import type { AgentStateRow } from "../db/state-queries";
import { contactView } from "../contact/contact-view";
import { toIso } from "../db/timestamps";
import { memoryView } from "../memory/engram-view";
import { readAllSessions } from "../sessions/session-store";
import { metrics, parseStoredUv16d } from "../state/uv16d";
import { runtimeVersion } from "../version";
import { agentId } from "../agent";
import { exportedConversation } from "../conversations/conversation-backup";
import { readAllConversations } from "../db/conversation-backup-queries";

export const exportFormat = "sos-export/1";

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

function exportedEngram(row: FullEngramRow) {
  const { embedding, ...rest } = row;
  return { ...memoryView(rest), embedding: embedding === null ? null : base64(embedding) };
}

function exportedState(row: AgentStateRow) {
  const uv = parseStoredUv16d(row.uv_16d);
  return { agent: row.agent, uv_16d: uv, ...metrics(uv), stored_uv_16d: row.uv_16d, last_sync: toIso(row.last_sync) };
}

function base64(bytes: number[]): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
