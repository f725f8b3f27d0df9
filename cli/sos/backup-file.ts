import { readFileSync } from "node:fs";
import { importLimits } from "../../worker/schemas/import";
import { SosError } from "./errors";

export const exportFormat = "sos-export/1";

/** The kinds of records an export holds, in the order a restore sends them. */
export const recordKinds = ["agent_state", "engrams", "sessions", "contacts", "conversations"] as const;
export type RecordKind = (typeof recordKinds)[number];

/** GET /api/export's document, as far as backup and restore need to know it. */
export interface ExportDocument {
  format: string;
  exported_at: string;
  agent_id: string;
  counts: Partial<Record<RecordKind, number>>;
  engrams: unknown[];
  agent_state: unknown[];
  sessions: unknown[];
  contacts: unknown[];
  conversations: unknown[];
}

export function readBackup(file: string): ExportDocument {
  let document: Partial<ExportDocument>;
  try {
    document = JSON.parse(readFileSync(file, "utf8")) as Partial<ExportDocument>;
  } catch (error) {
    throw new SosError(`${file} is not a readable backup: ${(error as Error).message}`);
  }
  if (document.format !== exportFormat) {
    throw new SosError(`${file} is not an SOS backup (format ${JSON.stringify(document.format)}, expected ${exportFormat}).`);
  }
  // Backups made before conversations were kept in D1 have none.
  document.conversations ??= [];
  for (const kind of recordKinds) {
    if (!Array.isArray(document[kind])) throw new SosError(`${file}: ${kind} is missing or not a list.`);
  }
  return document as ExportDocument;
}

/** What one POST /api/import takes of each kind (the worker bounds a request's work). */
const perRequest: Record<RecordKind, number> = {
  engrams: importLimits.engrams,
  agent_state: importLimits.agentStates,
  sessions: importLimits.sessions,
  contacts: importLimits.contacts,
  conversations: importLimits.conversations,
};

/** A conversation travels with all its messages, which the worker also counts per request. */
const messagesOf = (record: unknown): number => (record as { messages?: unknown[] }).messages?.length ?? 0;

/**
 * Splits the records into import requests within the worker's limits: under `maxBytes` of JSON and
 * the per-kind counts, keeping each kind's order. A single record over the byte limit travels alone.
 */
export function importBatches(document: ExportDocument, maxBytes = importLimits.bodyBytes / 2): Partial<Record<RecordKind, unknown[]>>[] {
  const batches: Partial<Record<RecordKind, unknown[]>>[] = [];
  let current: Partial<Record<RecordKind, unknown[]>> = {};
  let size = 0;
  let messages = 0;
  for (const kind of recordKinds) {
    for (const record of document[kind]) {
      const bytes = Buffer.byteLength(JSON.stringify(record)) + 1;
      const full =
        size + bytes > maxBytes ||
        (current[kind]?.length ?? 0) >= perRequest[kind] ||
        messages + messagesOf(record) > importLimits.conversationMessages;
      if (size > 0 && full) {
        batches.push(current);
        current = {};
        size = 0;
        messages = 0;
      }
      (current[kind] ??= []).push(record);
      size += bytes;
      if (kind === "conversations") messages += messagesOf(record);
    }
  }
  if (size > 0) batches.push(current);
  return batches;
}
