/**
 * The shapes the app reads, taken from the worker's own types where it exports them (type-only
 * imports: nothing of the worker is bundled but the UV16D dimension lists and formulas).
 */
import type {
  ConversationDetail,
  ConversationView,
  MessageView as ConversationMessage,
} from "../../worker/conversations/conversation-view";
import type { MemoryView } from "../../worker/memory/engram-view";
import type { Session, SessionSummary } from "../../worker/sessions/session-store";
import type { Uv16d, Uv16dMetrics } from "../../worker/state/uv16d";

export type {
  ConversationDetail,
  ConversationMessage,
  ConversationView,
  MemoryView,
  Session,
  SessionSummary,
  Uv16d,
  Uv16dMetrics,
};

export interface ConversationPage {
  conversations: (ConversationView & { snippet?: string | null })[];
  next_cursor: string | null;
}

export interface HealthBody {
  status: string;
  agent_id: string;
  version: string;
  schema_version?: string | null;
}

export interface ProviderInfo {
  name: string;
  configured: boolean;
  defaultModel: string;
  /** Its default first. */
  models?: string[];
}

export interface ProvidersBody {
  providers: ProviderInfo[];
}

export interface StateBody extends Uv16dMetrics {
  agent: string;
  uv_16d: Uv16d;
  last_sync: string | null;
}

export interface MemoryPage {
  memories: MemoryView[];
  next_cursor: string | null;
  /** How many memories the agent holds (on the first page). */
  total?: number;
}

export interface SearchBody {
  results: (MemoryView & { score: number })[];
}

export interface SessionPage {
  sessions: SessionSummary[];
  next_cursor: string | null;
}

/** The `start` event of a streamed chat answer: the stored question's and answer's ids. */
export interface ChatStart {
  session_id: string;
  message_id: string;
  user_message_id: string;
  parent_id: string | null;
}

/** The `done` event of a streamed chat answer. */
export interface ChatDone {
  session_id: string;
  message_id?: string;
  user_message_id?: string;
  provider?: string;
  model?: string;
  memories: string[];
  engram_id: string | null;
  finish_reason?: string;
  usage: { input_tokens: number; output_tokens: number };
}

/** The `error` event of a streamed chat answer; `partial` when what was said is kept, marked interrupted. */
export interface ChatStreamError {
  code: string;
  message: string;
  session_id: string;
  message_id?: string;
  user_message_id?: string;
  partial?: boolean;
}

export interface EraseBody {
  erased: Record<string, number>;
}
