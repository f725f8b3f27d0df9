import { beforeAll, describe, expect, it } from "vitest";
import { runBatch } from "../../../worker/db/batch";
import {
  deleteConversationQueries,
  insertConversationQuery,
  listConversationsQuery,
  messagesOfQuery,
  pathQuery,
  searchConversationsQuery,
  snippetMarks,
  type NewConversation,
  type NewMessage,
} from "../../../worker/db/conversation-queries";
import { useMigratedD1 } from "../../support/use-migrated-d1";

const store = useMigratedD1();

const conversation = (id: string, fields: Partial<NewConversation> = {}): NewConversation => ({
  id,
  agent: "river",
  title: `Conversation ${id}`,
  created_at: "2026-03-01 09:00:00",
  updated_at: "2026-03-01 09:00:00",
  ...fields,
});

/** A message of conversation `chat`, `minute` minutes past nine. */
const message = (chat: string, id: string, parent: string | null, content: string, minute: number): NewMessage => ({
  id,
  conversation_id: chat,
  parent_id: parent,
  role: parent === null || id.startsWith("q") ? "user" : "assistant",
  content,
  created_at: `2026-03-01 09:${String(minute).padStart(2, "0")}:00`,
});

beforeAll(async () => {
  const db = store.db();
  await runBatch(store.d1(), [
    insertConversationQuery(db, conversation("plain", { updated_at: "2026-03-01 10:00:00", title: "Garden plans" })),
    insertConversationQuery(db, conversation("older", { updated_at: "2026-03-01 08:00:00" })),
    insertConversationQuery(db, conversation("pinned", { updated_at: "2026-03-01 07:00:00", pinned: 1 })),
    insertConversationQuery(db, conversation("same-a", { updated_at: "2026-03-01 09:30:00" })),
    insertConversationQuery(db, conversation("same-b", { updated_at: "2026-03-01 09:30:00" })),
    insertConversationQuery(db, conversation("temp", { updated_at: "2026-03-01 11:00:00", temporary: 1 })),
    insertConversationQuery(db, conversation("theirs", { agent: "lake", title: "Garden of another agent" })),
    // A question, an answer, and a regenerated answer beside it; then a follow-up to the second answer.
    db
      .insertInto("conversation_messages")
      .values([
        message("plain", "q1", null, "Which tomatoes grow well in shade?", 1),
        message("plain", "a1", "q1", "Cherry tomatoes cope best with little sun.", 2),
        message("plain", "a1v2", "q1", "Try cherry or plum tomatoes near a wall.", 3),
        message("plain", "q2", "a1v2", "And how often should I water them?", 4),
        message("plain", "a2", "q2", "Every other day, at the roots.", 5),
        message("temp", "tq", null, "tomatoes in a temporary chat", 6),
      ]),
  ]);
});

describe("listConversationsQuery", () => {
  it("lists pinned first, then by last update and id, never a temporary chat or another agent's", async () => {
    const rows = await listConversationsQuery(store.db(), "river", 10).execute();
    expect(rows.map((row) => row.id)).toEqual(["pinned", "plain", "same-b", "same-a", "older"]);
    expect(rows.map((row) => row.message_count)).toEqual([0, 5, 0, 0, 0]);
  });

  it("continues strictly after a list position, across the pinned boundary and inside a shared update time", async () => {
    const list = (after: { pinned: number; updatedAt: string; id: string }, limit = 10) =>
      listConversationsQuery(store.db(), "river", limit, after)
        .execute()
        .then((rows) => rows.map((row) => row.id));
    expect(await list({ pinned: 1, updatedAt: "2026-03-01 07:00:00", id: "pinned" })).toEqual([
      "plain",
      "same-b",
      "same-a",
      "older",
    ]);
    expect(await list({ pinned: 0, updatedAt: "2026-03-01 09:30:00", id: "same-b" })).toEqual(["same-a", "older"]);
    // limit + 1 rows: the extra one says another page exists.
    expect(await list({ pinned: 0, updatedAt: "2026-03-01 10:00:00", id: "plain" }, 1)).toEqual(["same-b", "same-a"]);
  });
});

describe("pathQuery and messagesOfQuery", () => {
  it("walks from a leaf to the first message, newest first, leaving the other versions out", async () => {
    const { rows } = await pathQuery(store.db(), "plain", "a2", 50);
    expect(rows.map((row) => [row.id, row.role])).toEqual([
      ["a2", "assistant"],
      ["q2", "user"],
      ["a1v2", "assistant"],
      ["q1", "user"],
    ]);
  });

  it("stops at the depth asked, and finds nothing for a leaf of another conversation", async () => {
    expect((await pathQuery(store.db(), "plain", "a2", 2)).rows.map((row) => row.id)).toEqual(["a2", "q2"]);
    expect((await pathQuery(store.db(), "older", "a2", 50)).rows).toEqual([]);
  });

  it("gives every version, oldest first", async () => {
    const rows = await messagesOfQuery(store.db(), "plain").execute();
    expect(rows.map((row) => row.id)).toEqual(["q1", "a1", "a1v2", "q2", "a2"]);
    expect(rows[0]).toMatchObject({ status: "complete", engram_id: null, error_code: null });
  });
});

describe("searchConversationsQuery", () => {
  it("finds a conversation once by its messages, with the hit marked in a snippet", async () => {
    const { rows } = await searchConversationsQuery(store.db(), "river", '"tomatoes"*', 10);
    expect(rows.map((row) => row.id)).toEqual(["plain"]);
    expect(rows[0]!.snippet).toContain(`${snippetMarks.open}tomatoes${snippetMarks.close}`);
  });

  it("finds a title, without a snippet, only among the agent's own conversations", async () => {
    const { rows } = await searchConversationsQuery(store.db(), "river", '"garden"*', 10);
    expect(rows).toEqual([{ id: "plain", snippet: null, rank: expect.any(Number) }]);
  });
});

describe("deleteConversationQueries", () => {
  it("deletes nothing of a conversation that belongs to another agent", async () => {
    const [, deleted] = await runBatch(store.d1(), deleteConversationQueries(store.db(), "lake", "plain"));
    expect(deleted!.results).toEqual([]);
    expect(await messagesOfQuery(store.db(), "plain").execute()).toHaveLength(5);
  });

  it("deletes a conversation and all its messages", async () => {
    const [, deleted] = await runBatch(store.d1(), deleteConversationQueries(store.db(), "river", "plain"));
    expect(deleted!.results).toEqual([{ id: "plain" }]);
    expect(await messagesOfQuery(store.db(), "plain").execute()).toEqual([]);
    expect(await store.db().selectFrom("conversations").select("id").where("id", "=", "plain").execute()).toEqual([]);
  });
});
