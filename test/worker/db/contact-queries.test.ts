import { beforeAll, describe, expect, it } from "vitest";
import { runBatch } from "../../../worker/db/batch";
import {
  countContactAttemptQuery,
  countInboxMessageQuery,
  deleteContact,
  expireContactsQuery,
  expireContactWindowsQuery,
  getContact,
  inboxCaller,
  insertContact,
  listContacts,
} from "../../../worker/db/contact-queries";
import { useMigratedD1 } from "../../support/use-migrated-d1";

const store = useMigratedD1();

const message = (from: string) => ({ from_agent: from, from_name: null, reply_to: null, subject: null, message: "hi" });

describe("the inbox's messages", () => {
  const received: Record<string, string> = {};

  beforeAll(async () => {
    for (const [from, at] of [
      ["ash", "2026-02-01 08:00:00"],
      ["birch", "2026-02-01 09:00:00"],
      ["cedar", "2026-02-01 09:00:00"],
      ["dogwood", "2026-02-01 10:00:00"],
    ] as const) {
      received[from] = (await insertContact(store.db(), message(from), at)).id;
    }
  });

  const senders = (rows: { from_agent: string }[]) => rows.map((row) => row.from_agent);

  it("stores a message with a new id and the time it was received", async () => {
    expect(await getContact(store.db(), received["ash"]!)).toEqual({
      id: received["ash"],
      ...message("ash"),
      received_at: "2026-02-01 08:00:00",
    });
  });

  it("lists newest first, one row more than the page, and continues below a cursor position", async () => {
    const first = await listContacts(store.db(), 2);
    expect(first).toHaveLength(3);
    expect(first[0]!.from_agent).toBe("dogwood");
    const end = first[1]!;
    const rest = await listContacts(store.db(), 2, { at: end.received_at, id: end.id });
    // The two of 09:00 are ordered by id; whichever came first, none is skipped or repeated.
    expect(senders([...first.slice(0, 2), ...rest]).sort()).toEqual(["ash", "birch", "cedar", "dogwood"]);
    expect(rest).toHaveLength(2);
    expect(senders(rest).at(-1)).toBe("ash");
  });

  it("deletes one message, and says whether it did", async () => {
    const id = (await insertContact(store.db(), message("elm"), "2026-02-01 11:00:00")).id;
    expect(await deleteContact(store.db(), id)).toBe(true);
    expect(await deleteContact(store.db(), id)).toBe(false);
    expect(await getContact(store.db(), id)).toBeUndefined();
  });

  it("expires the messages received before a cutoff, and only those", async () => {
    await insertContact(store.db(), message("old"), "2025-01-01 00:00:00");
    await expireContactsQuery(store.db(), "2026-01-01 00:00:00").execute();
    const left = senders(await listContacts(store.db(), 50));
    expect(left).not.toContain("old");
    expect(left).toContain("ash");
  });
});

describe("the rate-limit counters", () => {
  /** One message counted as the worker counts it: the caller's window, then the inbox's, in one batch. */
  async function count(caller: string, limit: number): Promise<{ caller: number; inbox: number | undefined }> {
    const [counted, inbox] = await runBatch(store.d1(), [
      countContactAttemptQuery(store.db(), caller, 3600),
      countInboxMessageQuery(store.db(), 3600, { caller, window: 3600, limit }),
    ]);
    return { caller: Number(counted!.results[0]!["count"]), inbox: inbox!.results[0]?.["count"] as number | undefined };
  }

  it("counts each caller in its own window, and the inbox only while the caller is within its limit", async () => {
    expect(await count("caller-a", 2)).toEqual({ caller: 1, inbox: 1 });
    expect(await count("caller-a", 2)).toEqual({ caller: 2, inbox: 2 });
    // Over its limit: the caller's count still grows, the inbox's is left alone (no row returned).
    expect(await count("caller-a", 2)).toEqual({ caller: 3, inbox: undefined });
    expect(await count("caller-b", 2)).toEqual({ caller: 1, inbox: 3 });
    const rows = await store.db().selectFrom("contact_rate_limits").selectAll().orderBy("caller").execute();
    expect(rows).toEqual([
      { caller: "caller-a", window_start: 3600, count: 3 },
      { caller: "caller-b", window_start: 3600, count: 1 },
      { caller: inboxCaller, window_start: 3600, count: 3 },
    ]);
  });

  it("expires the windows that started before the current one", async () => {
    await countContactAttemptQuery(store.db(), "caller-a", 7200).execute();
    await expireContactWindowsQuery(store.db(), 7200).execute();
    const rows = await store.db().selectFrom("contact_rate_limits").selectAll().execute();
    expect(rows).toEqual([{ caller: "caller-a", window_start: 7200, count: 1 }]);
  });
});
