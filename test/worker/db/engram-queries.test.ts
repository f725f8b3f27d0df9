import { beforeAll, describe, expect, it } from "vitest";
import {
  countEngramsByAgent,
  createEngram,
  deleteEngram,
  getEngram,
  listEngrams,
  recentEngrams,
  updateEngram,
} from "../../../worker/db/engram-queries";
import { useMigratedD1 } from "../../support/use-migrated-d1";

const store = useMigratedD1();

/** Six engrams of agent "river", two of them at the same second (the id decides between them). */
const seeded = [
  { id: "e1", context_id: "walks", created_at: "2026-01-01 10:00:00" },
  { id: "e2", context_id: "meals", created_at: "2026-01-01 10:00:01" },
  { id: "e3a", context_id: "walks", created_at: "2026-01-01 10:00:02" },
  { id: "e3b", context_id: "meals", created_at: "2026-01-01 10:00:02" },
  { id: "e4", context_id: "walks", created_at: "2026-01-01 10:00:03" },
  { id: "e5", context_id: null, created_at: "2026-01-01 10:00:04" },
];

beforeAll(async () => {
  await store
    .db()
    .insertInto("engrams")
    .values([
      ...seeded.map((row) => ({ ...row, agent: "river", text: `memory ${row.id}`, updated_at: row.created_at })),
      { id: "other", agent: "lake", text: "another agent's", created_at: "2026-01-01 10:00:09" },
    ])
    .execute();
});

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

describe("listEngrams", () => {
  it("lists one agent's engrams newest first, the id breaking a tie, with one row more than the page", async () => {
    const rows = await listEngrams(store.db(), { agent: "river", limit: 3 });
    expect(ids(rows)).toEqual(["e5", "e4", "e3b", "e3a"]);
  });

  it("continues strictly below a cursor position, inside a second shared by two engrams", async () => {
    const after = { at: "2026-01-01 10:00:02", id: "e3b" };
    expect(ids(await listEngrams(store.db(), { agent: "river", limit: 10, after }))).toEqual(["e3a", "e2", "e1"]);
    const last = { at: "2026-01-01 10:00:00", id: "e1" };
    expect(await listEngrams(store.db(), { agent: "river", limit: 10, after: last })).toEqual([]);
  });

  it("pages through every engram exactly once", async () => {
    const seen: string[] = [];
    let after: { at: string; id: string } | undefined;
    for (;;) {
      const rows = await listEngrams(store.db(), { agent: "river", limit: 2, ...(after && { after }) });
      const page = rows.slice(0, 2);
      seen.push(...ids(page));
      if (rows.length <= 2) break;
      const end = page.at(-1)!;
      after = { at: end.created_at!, id: end.id };
    }
    expect(seen).toEqual(["e5", "e4", "e3b", "e3a", "e2", "e1"]);
  });

  it("keeps to one context when asked, the cursor too", async () => {
    expect(ids(await listEngrams(store.db(), { agent: "river", contextId: "walks", limit: 10 }))).toEqual([
      "e4",
      "e3a",
      "e1",
    ]);
    const after = { at: "2026-01-01 10:00:03", id: "e4" };
    expect(ids(await listEngrams(store.db(), { agent: "river", contextId: "walks", limit: 1, after }))).toEqual([
      "e3a",
      "e1",
    ]);
  });
});

describe("recentEngrams and countEngramsByAgent", () => {
  it("gives an agent's newest engrams, at most the limit", async () => {
    expect(ids(await recentEngrams(store.db(), "river", 2))).toEqual(["e5", "e4"]);
    expect(ids(await recentEngrams(store.db(), "lake", 5))).toEqual(["other"]);
  });

  it("counts each agent's engrams", async () => {
    expect(await countEngramsByAgent(store.db())).toEqual({ river: 6, lake: 1 });
  });
});

describe("createEngram, getEngram, updateEngram, deleteEngram", () => {
  it("stores the lists as JSON text and reads back what it stored", async () => {
    const created = await createEngram(store.db(), {
      agent: "pond",
      text: "The owner's cat is called Miso",
      context_id: "pets",
      epistemic_truths: ["the cat is called Miso"],
      core_concepts: ["cat"],
      affective_vibe: "Warm",
      importance: 0.7,
    });
    expect(created).toMatchObject({
      agent: "pond",
      text: "The owner's cat is called Miso",
      context_id: "pets",
      epistemic_truths: '["the cat is called Miso"]',
      core_concepts: '["cat"]',
      affective_vibe: "Warm",
      importance: 0.7,
      ref_count: 1,
      accessed_at: null,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.created_at).toBe(created.updated_at);
    expect(await getEngram(store.db(), created.id)).toEqual(created);
    expect(Object.keys(created)).not.toContain("embedding");
  });

  it("changes only the fields given, and the update time", async () => {
    const created = await createEngram(store.db(), { id: "to-change", agent: "pond", text: "first words" });
    const updated = await updateEngram(store.db(), "to-change", { importance: 0.9, core_concepts: [] });
    expect(updated).toMatchObject({ text: "first words", importance: 0.9, core_concepts: "[]" });
    expect(updated!.updated_at! > created.updated_at!).toBe(true);
    expect(await updateEngram(store.db(), "missing", { text: "x" })).toBeUndefined();
  });

  it("says whether it deleted anything", async () => {
    await createEngram(store.db(), { id: "to-delete", agent: "pond", text: "short-lived" });
    expect(await deleteEngram(store.db(), "to-delete")).toBe(true);
    expect(await deleteEngram(store.db(), "to-delete")).toBe(false);
    expect(await getEngram(store.db(), "to-delete")).toBeUndefined();
  });
});
