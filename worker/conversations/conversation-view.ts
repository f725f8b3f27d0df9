import type { ConversationRow, MessageRow } from "../db/conversation-queries";
import { toIso } from "../db/timestamps";

/** How a message stands: whole, being written, cut off, stopped by the person, or never answered. */
export const messageStatuses = ["complete", "streaming", "interrupted", "stopped", "failed"] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/**
 * An answer still marked as being written this long after its last write belongs to a worker that
 * went away mid-answer (an isolate ended): it is shown, honestly, as interrupted.
 */
export const staleStreamMs = 10 * 60 * 1000;

/** A conversation as the API lists it. */
export interface ConversationView {
  id: string;
  title: string;
  /** Where the title came from: the first message, the model, or the person. */
  title_source: string;
  pinned: boolean;
  /** False when no memory may be made of it. */
  remember: boolean;
  /** True for a temporary chat: never listed, no memory read or written, dropped with its session. */
  temporary: boolean;
  /** The model picked for it (null: the worker's default). */
  provider: string | null;
  model: string | null;
  /** The last message of the path shown. */
  leaf_id: string | null;
  /** Messages stored, every version counted; present in lists. */
  message_count?: number;
  created_at: string;
  updated_at: string;
}

/** One message of the path shown, with where it stands among its versions. */
export interface MessageView {
  id: string;
  parent_id: string | null;
  role: "user" | "assistant";
  content: string;
  status: MessageStatus;
  error: { code: string; message: string } | null;
  finish_reason: string | null;
  provider: string | null;
  model: string | null;
  usage: { input_tokens: number; output_tokens: number } | null;
  engram_id: string | null;
  created_at: string;
  updated_at: string;
  /** Its versions (the messages with the same parent and role), oldest first; `index` counts from 1. */
  versions: { index: number; count: number; ids: string[] };
}

export interface ConversationDetail extends ConversationView {
  messages: MessageView[];
}

export function conversationView(row: ConversationRow & { message_count?: number | null }): ConversationView {
  return {
    id: row.id,
    title: row.title,
    title_source: row.title_source,
    pinned: row.pinned === 1,
    remember: row.remember === 1,
    temporary: row.temporary === 1,
    provider: row.provider,
    model: row.model,
    leaf_id: row.leaf_id,
    ...(row.message_count !== undefined && { message_count: Number(row.message_count ?? 0) }),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/** The messages of a conversation as a tree: each message's children, oldest first. */
export class MessageTree {
  private readonly byId = new Map<string, MessageRow>();
  private readonly children = new Map<string | null, MessageRow[]>();

  constructor(rows: readonly MessageRow[]) {
    for (const row of rows) this.byId.set(row.id, row);
    for (const row of rows) {
      // A message whose parent is gone (an import of a part) hangs from the root rather than vanishing.
      const parent = row.parent_id !== null && this.byId.has(row.parent_id) ? row.parent_id : null;
      const list = this.children.get(parent) ?? [];
      list.push(row);
      this.children.set(parent, list);
    }
    for (const list of this.children.values()) list.sort(byAge);
  }

  get(id: string | null | undefined): MessageRow | undefined {
    return id == null ? undefined : this.byId.get(id);
  }

  childrenOf(id: string | null): MessageRow[] {
    return this.children.get(id) ?? [];
  }

  /** The message and the versions beside it (same parent, same role), oldest first. */
  versionsOf(row: MessageRow): MessageRow[] {
    const parent = row.parent_id !== null && this.byId.has(row.parent_id) ? row.parent_id : null;
    return this.childrenOf(parent).filter((sibling) => sibling.role === row.role);
  }

  /** Down from `id` (or the root) through the newest reply at each step: where a branch now ends. */
  newestLeafFrom(id: string | null): string | null {
    let current = id;
    for (let step = 0; step <= this.byId.size; step++) {
      const next = this.childrenOf(current).at(-1);
      if (!next) return current;
      current = next.id;
    }
    return current;
  }

  /** From the first message to `leafId`, oldest first; the newest path when `leafId` is unknown. */
  pathTo(leafId: string | null): MessageRow[] {
    const leaf = this.get(leafId) ?? this.get(this.newestLeafFrom(null));
    const path: MessageRow[] = [];
    const seen = new Set<string>();
    for (let row = leaf; row && !seen.has(row.id); row = this.get(row.parent_id)) {
      seen.add(row.id);
      path.unshift(row);
    }
    return path;
  }
}

function byAge(a: MessageRow, b: MessageRow): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function messageView(row: MessageRow, tree: MessageTree, now = Date.now()): MessageView {
  const versions = tree.versionsOf(row).map((version) => version.id);
  const stale = row.status === "streaming" && now - Date.parse(toIso(row.updated_at)) > staleStreamMs;
  const status = (stale ? "interrupted" : row.status) as MessageStatus;
  const error =
    row.error_code !== null
      ? { code: row.error_code, message: row.error_message ?? "" }
      : stale
        ? { code: "stream_lost", message: "The answer stopped being written before it finished." }
        : null;
  return {
    id: row.id,
    parent_id: row.parent_id,
    role: row.role === "user" ? "user" : "assistant",
    content: row.content,
    status,
    error,
    finish_reason: row.finish_reason,
    provider: row.provider,
    model: row.model,
    usage:
      row.input_tokens === null && row.output_tokens === null
        ? null
        : { input_tokens: row.input_tokens ?? 0, output_tokens: row.output_tokens ?? 0 },
    engram_id: row.engram_id,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    versions: { index: versions.indexOf(row.id) + 1, count: versions.length, ids: versions },
  };
}

export function conversationDetail(row: ConversationRow, rows: readonly MessageRow[]): ConversationDetail {
  const tree = new MessageTree(rows);
  const path = tree.pathTo(row.leaf_id);
  return {
    ...conversationView(row),
    leaf_id: path.at(-1)?.id ?? null,
    messages: path.map((message) => messageView(message, tree)),
  };
}

/** The first line of a message, shortened: a conversation's title until the model or the person names it. */
export function titleFrom(content: string): string {
  const line = content.trim().split("\n")[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || "Untitled";
}
