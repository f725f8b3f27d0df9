import * as z from "zod/mini";
import { exportFormat } from "../privacy/export-document";
import { signWords } from "../memory/vector-codec";
import { sessionLimits } from "../sessions/session-store";
import { metrics, parseStoredUv16d } from "../state/uv16d";
import { messageStatuses } from "../conversations/conversation-view";
import { agentName, text, unitInterval } from "./common";
import { conversationLimits } from "./conversation";
import { contactLimits } from "./contact";
import { engramFields, engramLimits } from "./engram";
import { sessionIdSchema, sessionMessageSchema } from "./session";
import { uv16dSchema } from "./state";

/**
 * POST /api/import: a part of an export document (GET /api/export), each item exactly as the export
 * gives it. Limits are the ones the API puts on what it stores, loosened only where the worker itself
 * stores more freely (a model's enrichment may list a blank-looking item); the per-request counts
 * bound the work of one request (embedding calls, D1 statements, KV operations), so a client sends
 * a large backup in parts.
 */
export const importLimits = {
  /** Bytes of one request body (the default cap is 256 KiB). */
  bodyBytes: 4 * 1024 * 1024,
  /** At most 8 embedding calls of 32 texts. */
  engrams: 256,
  agentStates: 64,
  /** Two KV operations each. */
  sessions: 100,
  /** Conversations, and their messages together, per request (each statement writes a few rows). */
  conversations: 50,
  conversationMessages: 600,
  contacts: 500,
  idChars: 256,
  storedUvChars: 4_096,
  /** Dimensions of an engram's vector: the largest model here has 3,072 (q8 at 4,096 takes 5,464 base64 characters). */
  vectorDims: 4_096,
  modelChars: 256,
  /** What exports made before vectors were exported held in `embedding`: the seed's column, base64. */
  legacyEmbeddingChars: 65_536,
} as const;

const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A timestamp as the export writes it: ISO 8601 in UTC, a real date. */
export const isoTimestamp = z
  .string()
  .check(
    z.refine(
      (value) =>
        isoPattern.test(value) &&
        Number.isFinite(Date.parse(value)) &&
        new Date(Date.parse(value)).toISOString().slice(0, 19) === value.slice(0, 19),
      "must be an ISO 8601 UTC timestamp (YYYY-MM-DDTHH:MM:SS.sssZ)",
    ),
  );

const recordId = text(importLimits.idChars);

/** A stored string of 1..max characters (enrichment stores items the API would call blank). */
const storedString = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const storedList = z.array(storedString(engramLimits.listItemChars)).check(z.maxLength(engramLimits.listItems));

/** Characters of `bytes` bytes in base64. */
const base64Chars = (bytes: number) => Math.ceil(bytes / 3) * 4;

/** The bytes of a base64 string (validated as base64 beforehand). */
export function base64Bytes(value: string): Uint8Array {
  return Uint8Array.from(atob(value), (char) => char.charCodeAt(0));
}

/**
 * An engram's stored vector as the export gives it (worker/privacy/export-document.ts). Its parts
 * must fit together: `bits` holds the sign bits of `dims` components, `q8` one byte a component,
 * and each bit agrees with its component's sign (q8 was rounded from the same unit vector). An
 * edited vector is refused rather than stored to mislead recall.
 */
export const importedVectorSchema = z
  .strictObject({
    model: storedString(importLimits.modelChars),
    dims: z.int().check(z.gte(1), z.lte(importLimits.vectorDims)),
    scale: z.number().check(z.gt(0)),
    bits: z.base64().check(z.maxLength(base64Chars(signWords(importLimits.vectorDims) * 4))),
    q8: z.base64().check(z.maxLength(base64Chars(importLimits.vectorDims))),
  })
  .check(
    z.superRefine((vector, ctx) => {
      // Only parts that passed their own checks are decoded and compared.
      if (ctx.issues.length > 0) return;
      const problem = vectorProblem(vector.dims, base64Bytes(vector.bits), base64Bytes(vector.q8));
      if (problem) ctx.issues.push({ code: "custom", message: problem.message, input: vector, path: [problem.path] });
    }),
  );

function vectorProblem(dims: number, bits: Uint8Array, q8Bytes: Uint8Array) {
  if (bits.length !== signWords(dims) * 4) return { path: "bits", message: `must hold ${signWords(dims) * 4} bytes` };
  if (q8Bytes.length !== dims) return { path: "q8", message: `must hold ${dims} bytes` };
  const q8 = new Int8Array(q8Bytes.buffer, q8Bytes.byteOffset, q8Bytes.length);
  for (let index = 0; index < bits.length * 8; index++) {
    const set = ((bits[index >>> 3]! >>> (index & 7)) & 1) === 1;
    // A zero component may have either bit (it was rounded from a small value); the padding's are clear.
    const value = index < dims ? q8[index]! : -1;
    if ((value > 0 && !set) || (value < 0 && set)) return { path: "bits", message: "do not match the signs of q8" };
  }
  return undefined;
}

/**
 * What exports made before vectors were exported held in `embedding`: the seed's column in base64
 * (null but for older tools that wrote it). Read as no vector: the engram is embedded on import.
 */
const legacyEmbedding = z.base64().check(z.maxLength(importLimits.legacyEmbeddingChars));

export const importedEngramSchema = z.strictObject({
  id: recordId,
  agent: agentName,
  context_id: engramFields.context_id,
  text: engramFields.text,
  epistemic_truths: storedList,
  core_concepts: storedList,
  affective_vibe: z.nullable(storedString(engramLimits.vibeChars)),
  importance: z.nullable(unitInterval),
  ref_count: z.int().check(z.gte(1)),
  created_at: z.nullable(isoTimestamp),
  updated_at: z.nullable(isoTimestamp),
  accessed_at: z.nullable(isoTimestamp),
  embedding: z.pipe(
    z.transform((value: unknown) => (z.safeParse(legacyEmbedding, value).success ? null : value)),
    z.nullable(importedVectorSchema),
  ),
});

/**
 * The state as exported: the stored column (`stored_uv_16d`, restored as it was) and what the export
 * read from it. They must agree, so an edited backup is refused rather than half applied.
 */
export const importedAgentStateSchema = z
  .strictObject({
    agent: agentName,
    uv_16d: uv16dSchema,
    coherence: z.number(),
    inner_mean: z.number(),
    outer_mean: z.number(),
    witness_magnitude: z.number(),
    stored_uv_16d: z.nullable(z.string().check(z.maxLength(importLimits.storedUvChars))),
    last_sync: z.nullable(isoTimestamp),
  })
  .check(
    z.superRefine((state, ctx) => {
      if (JSON.stringify(parseStoredUv16d(state.stored_uv_16d)) !== JSON.stringify(state.uv_16d)) {
        ctx.issues.push({
          code: "custom",
          message: "does not match stored_uv_16d",
          input: state.uv_16d,
          path: ["uv_16d"],
        });
        return;
      }
      const expected = metrics(state.uv_16d);
      for (const key of ["coherence", "inner_mean", "outer_mean", "witness_magnitude"] as const) {
        if (state[key] !== expected[key]) {
          ctx.issues.push({ code: "custom", message: "does not match uv_16d", input: state[key], path: [key] });
        }
      }
    }),
  );

export const importedSessionSchema = z
  .strictObject({
    id: sessionIdSchema,
    created_at: isoTimestamp,
    updated_at: isoTimestamp,
    messages: z
      .array(
        z.strictObject({
          id: z.optional(recordId),
          role: sessionMessageSchema.shape.role,
          content: storedString(sessionLimits.maxMessageChars),
          at: isoTimestamp,
          truncated: z.optional(z.literal(true)),
        }),
      )
      .check(z.minLength(1), z.maxLength(sessionLimits.maxMessages)),
  })
  .check(
    z.refine((session) => new TextEncoder().encode(JSON.stringify(session)).byteLength <= sessionLimits.maxBytes, {
      message: `must take at most ${sessionLimits.maxBytes} bytes stored`,
      path: ["messages"],
    }),
  );

export const importedContactSchema = z.strictObject({
  id: recordId,
  from_agent: agentName,
  from_name: z.nullable(text(contactLimits.nameChars)),
  reply_to: z.nullable(z.httpUrl().check(z.maxLength(contactLimits.replyToChars))),
  subject: z.nullable(text(contactLimits.subjectChars)),
  message: text(contactLimits.messageChars),
  received_at: isoTimestamp,
});

const nullableText = (max: number) => z.nullable(z.string().check(z.maxLength(max)));
const tokens = z.nullable(z.int().check(z.gte(0)));

export const importedMessageSchema = z.strictObject({
  id: recordId,
  parent_id: z.nullable(recordId),
  role: z.enum(["user", "assistant"]),
  content: z.string().check(z.maxLength(64_000)),
  status: z.enum(messageStatuses),
  error_code: nullableText(64),
  error_message: nullableText(1_000),
  finish_reason: nullableText(64),
  provider: nullableText(64),
  model: nullableText(conversationLimits.modelChars),
  input_tokens: tokens,
  output_tokens: tokens,
  engram_id: z.nullable(recordId),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});

export const importedConversationSchema = z.strictObject({
  id: sessionIdSchema,
  agent: agentName,
  title: storedString(conversationLimits.titleChars),
  title_source: z.enum(["message", "model", "user"]),
  pinned: z.boolean(),
  remember: z.boolean(),
  temporary: z.boolean(),
  provider: nullableText(64),
  model: nullableText(conversationLimits.modelChars),
  leaf_id: z.nullable(recordId),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  messages: uniqueList(importedMessageSchema, "id", importLimits.conversationMessages),
});

const count = z.int().check(z.gte(0));

/**
 * The export's own header fields are accepted (and not used), so a small export file can be sent as
 * it is; the lists are optional, so a large one can be sent in parts.
 */
export const importDocumentSchema = z.strictObject({
  format: z.literal(exportFormat),
  exported_at: z.optional(isoTimestamp),
  agent_id: z.optional(agentName),
  runtime_version: z.optional(text(64)),
  schema_version: z.optional(z.nullable(text(256))),
  counts: z.optional(
    z.strictObject({
      engrams: count,
      agent_state: count,
      sessions: count,
      contacts: count,
      conversations: z.optional(count),
    }),
  ),
  engrams: z.optional(uniqueList(importedEngramSchema, "id", importLimits.engrams)),
  agent_state: z.optional(uniqueList(importedAgentStateSchema, "agent", importLimits.agentStates)),
  sessions: z.optional(uniqueList(importedSessionSchema, "id", importLimits.sessions)),
  contacts: z.optional(uniqueList(importedContactSchema, "id", importLimits.contacts)),
  conversations: z.optional(
    uniqueList(importedConversationSchema, "id", importLimits.conversations).check(
      z.refine(
        (items) => items.reduce((sum, item) => sum + item.messages.length, 0) <= importLimits.conversationMessages,
        `must hold at most ${importLimits.conversationMessages} messages in one request`,
      ),
    ),
  ),
});

export type ImportDocument = z.output<typeof importDocumentSchema>;
export type ImportedEngram = z.output<typeof importedEngramSchema>;
export type ImportedAgentState = z.output<typeof importedAgentStateSchema>;
export type ImportedSession = z.output<typeof importedSessionSchema>;
export type ImportedContact = z.output<typeof importedContactSchema>;
export type ImportedConversation = z.output<typeof importedConversationSchema>;

/** A list of at most `max` items, none repeating another's `key` (one request names each row once). */
function uniqueList<S extends z.ZodMiniType<Record<K, string>>, K extends string>(item: S, key: K, max: number) {
  return z.array(item).check(
    z.maxLength(max),
    z.superRefine((items, ctx) => {
      const seen = new Map<string, number>();
      items.forEach((value, index) => {
        const name = (value as Record<K, string>)[key];
        const first = seen.get(name);
        if (first === undefined) seen.set(name, index);
        else ctx.issues.push({ code: "custom", message: `repeats item ${first}`, input: name, path: [index, key] });
      });
    }),
  );
}
