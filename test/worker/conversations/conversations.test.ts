import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fail, reply, stall, startFakeVendors, type FakeVendors } from "../../support/fake-vendors";
import { deployedBase, testAgentKey, useWorker, type WorkerHarness } from "../../support/worker-harness";
import { parseSse } from "../../support/sse-events";

/**
 * Conversations in D1: each question and answer stored once (a retry, a regenerate and an edit make
 * versions, never copies), listed after their KV session is gone, renamed, pinned, searched,
 * deleted, exported, imported and erased. The worker talks to the fake OpenAI server directly, so
 * a client's abort reaches it.
 */
let vendors: FakeVendors;
beforeAll(async () => {
  vendors = await startFakeVendors();
});
afterAll(async () => {
  await vendors.close();
});
beforeEach(() => vendors.reset());

const harness = useWorker(
  { LLM_PROVIDER: "openai", OPENAI_API_KEY: "sk-conversations", LLM_TIMEOUT_SECONDS: "3", EMBEDDING_PROVIDER: "hash" },
  () => ({ vars: { OPENAI_BASE_URL: vendors.openai.baseURL } }),
);

async function chat(body: Record<string, unknown>, on: WorkerHarness = harness) {
  const response = await on.request("POST", "/api/chat", { stream: true, ...body });
  expect(response.status, response.text).toBe(200);
  return parseSse(response.text);
}

/** The user and assistant turns of the last prompt the fake OpenAI server received. */
function lastPromptTurns(): [string, string][] {
  const body = vendors.openai.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
  return body.messages.slice(1).map((message) => [message.role, message.content]);
}

async function conversation(id: string) {
  const response = await harness.request("GET", `/api/conversations/${id}`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

const shown = (detail: any) => detail.messages.map((message: any) => [message.role, message.content]);

async function rowsOf(id: string): Promise<{ role: string; content: string }[]> {
  const d1 = await harness.d1();
  const rows = await d1
    .prepare("SELECT role, content FROM conversation_messages WHERE conversation_id = ? ORDER BY created_at")
    .bind(id)
    .all<{ role: string; content: string }>();
  return rows.results;
}

describe("retry, regenerate and edit", () => {
  it("a retry after a failure answers the stored question again: no second copy anywhere", async () => {
    vendors.openai.script(fail(500, "down for a moment"), reply("Here now."));
    const failed = await chat({ message: "Are you there?", session_id: "retry-1" });
    expect(failed.map((event) => event.event)).toEqual(["start", "error"]);
    const { user_message_id } = failed[0]!.data;

    const retried = await chat({ reply_to: user_message_id, session_id: "retry-1" });
    expect(retried.at(-1)).toMatchObject({ event: "done", data: { user_message_id } });
    expect(lastPromptTurns()).toEqual([["user", "Are you there?"]]);

    expect(shown(await conversation("retry-1"))).toEqual([
      ["user", "Are you there?"],
      ["assistant", "Here now."],
    ]);
    // The empty failed answer is not kept as a version; the question is stored once.
    expect((await rowsOf("retry-1")).map((row) => row.role)).toEqual(["user", "assistant"]);
    const session = await harness.request("GET", "/api/sessions/retry-1");
    expect(session.body.messages.map((message: any) => message.content)).toEqual(["Are you there?", "Here now."]);
  });

  it("regenerating any answer makes a new version beside it, and the earlier one stays reachable", async () => {
    vendors.openai.script(reply("First answer."), reply("Second answer."), reply("Another take."));
    const first = await chat({ message: "Question one", session_id: "regen-1" });
    await chat({ message: "Question two", session_id: "regen-1" });
    const questionOne = first[0]!.data.user_message_id;

    // The first answer, not the last one, is regenerated: the conversation now ends there.
    const again = await chat({ reply_to: questionOne, session_id: "regen-1" });
    expect(lastPromptTurns()).toEqual([["user", "Question one"]]);
    let detail = await conversation("regen-1");
    expect(shown(detail)).toEqual([
      ["user", "Question one"],
      ["assistant", "Another take."],
    ]);
    expect(detail.messages[1].versions).toMatchObject({ index: 2, count: 2 });

    // The earlier version, and what followed it, come back.
    const patched = await harness.request("PATCH", "/api/conversations/regen-1", {
      branch: first.at(-1)!.data.message_id,
    });
    expect(patched.status, patched.text).toBe(200);
    detail = await conversation("regen-1");
    expect(shown(detail)).toEqual([
      ["user", "Question one"],
      ["assistant", "First answer."],
      ["user", "Question two"],
      ["assistant", "Second answer."],
    ]);
    expect(detail.messages[1].versions).toMatchObject({ index: 1, count: 2 });
    expect(again.at(-1)!.data.user_message_id).toBe(questionOne);
    // Each question once, each answer once.
    expect((await rowsOf("regen-1")).map((row) => row.content).sort()).toEqual(
      ["Another take.", "First answer.", "Question one", "Question two", "Second answer."].sort(),
    );
  });

  it("editing a question branches the conversation there, and the model sees the edited one only", async () => {
    vendors.openai.script(reply("Paris."), reply("About 2 million."), reply("Rome."));
    const first = await chat({ message: "Capital of France?", session_id: "edit-1" });
    await chat({ message: "Population?", session_id: "edit-1" });

    await chat({ message: "Capital of Italy?", edit: first[0]!.data.user_message_id, session_id: "edit-1" });
    expect(lastPromptTurns()).toEqual([["user", "Capital of Italy?"]]);
    const detail = await conversation("edit-1");
    expect(shown(detail)).toEqual([
      ["user", "Capital of Italy?"],
      ["assistant", "Rome."],
    ]);
    expect(detail.messages[0].versions).toMatchObject({ index: 2, count: 2 });

    // The next message follows the edited branch.
    vendors.openai.script(reply("Rome has about 2.8 million."));
    await chat({ message: "And its population?", session_id: "edit-1" });
    expect(lastPromptTurns()).toEqual([
      ["user", "Capital of Italy?"],
      ["assistant", "Rome."],
      ["user", "And its population?"],
    ]);
    const rows = await rowsOf("edit-1");
    expect(rows.filter((row) => row.content === "Capital of Italy?")).toHaveLength(1);
    expect(rows.filter((row) => row.content === "Capital of France?")).toHaveLength(1);
  });

  it("refuses to answer again what is not a question of the conversation", async () => {
    vendors.openai.script(reply("Fine."));
    const events = await chat({ message: "Hello", session_id: "refuse-1" });
    const answerId = events.at(-1)!.data.message_id;
    const wrongRole = await harness.request("POST", "/api/chat", { reply_to: answerId, session_id: "refuse-1" });
    expect(wrongRole.status).toBe(400);
    expect(wrongRole.body.error.field).toBe("reply_to");
    const unknown = await harness.request("POST", "/api/chat", { reply_to: "nope", session_id: "refuse-1" });
    expect(unknown.status).toBe(404);
    const both = await harness.request("POST", "/api/chat", { message: "x", reply_to: "nope", session_id: "refuse-1" });
    expect(both.status).toBe(400);
  });
});

describe("answers that do not finish", () => {
  it("a stopped answer keeps what was said, marked stopped", async () => {
    vendors.openai.script(stall(["Part of ", "the story "]));
    const controller = new AbortController();
    const response = await harness.worker.miniflare.dispatchFetch(`${deployedBase}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${testAgentKey}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "A long story", session_id: "stop-1", stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("the story")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await vendors.openai.clientClosed(vendors.openai.requests.at(-1)!, 10_000);

    let answer: any;
    for (let attempt = 0; attempt < 50 && answer?.status !== "stopped"; attempt++) {
      answer = (await conversation("stop-1")).messages.at(-1);
      if (answer.status !== "stopped") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answer).toMatchObject({ role: "assistant", status: "stopped", content: "Part of the story " });
  });
});

describe("the conversation list", () => {
  it("lists a conversation after its KV session expired, and reads it back whole", async () => {
    vendors.openai.script(reply("Stored for good."));
    await chat({ message: "Keep this one", session_id: "kept-1" });
    const kv = await harness.kv();
    await kv.delete("session:kept-1");
    expect((await harness.request("GET", "/api/sessions/kept-1")).status).toBe(404);

    const list = await harness.request("GET", "/api/conversations?limit=100");
    expect(list.body.conversations.map((item: any) => item.id)).toContain("kept-1");
    expect(shown(await conversation("kept-1"))).toEqual([
      ["user", "Keep this one"],
      ["assistant", "Stored for good."],
    ]);

    // Going on rebuilds the prompt's history from D1.
    vendors.openai.script(reply("Still here."));
    await chat({ message: "Still there?", session_id: "kept-1" });
    expect(lastPromptTurns()).toEqual([
      ["user", "Keep this one"],
      ["assistant", "Stored for good."],
      ["user", "Still there?"],
    ]);
  });

  it("renames, pins first, searches titles and messages, and deletes", async () => {
    vendors.openai.script(reply("Basil likes sun."), reply("Use a wok."), reply("Nothing here."));
    await chat({ message: "How do I grow basil?", session_id: "list-basil" });
    await chat({ message: "Best pan for stir fry?", session_id: "list-wok" });
    await chat({ message: "Unrelated", session_id: "list-other" });

    const renamed = await harness.request("PATCH", "/api/conversations/list-wok", { title: "Kitchen gear" });
    expect(renamed.body).toMatchObject({ title: "Kitchen gear", title_source: "user" });
    await harness.request("PATCH", "/api/conversations/list-basil", { pinned: true });
    const list = await harness.request("GET", "/api/conversations?limit=100");
    expect(list.body.conversations[0]).toMatchObject({ id: "list-basil", pinned: true, message_count: 2 });

    const byTitle = await harness.request("GET", "/api/conversations?q=kitchen");
    expect(byTitle.body.conversations.map((item: any) => item.id)).toEqual(["list-wok"]);
    const byMessage = await harness.request("GET", "/api/conversations?q=wo");
    expect(byMessage.body.conversations.map((item: any) => item.id)).toEqual(["list-wok"]);
    expect(byMessage.body.conversations[0].snippet).toContain("\u0002wok\u0003");
    const syntax = await harness.request("GET", `/api/conversations?q=${encodeURIComponent('basil" OR "wok')}`);
    expect(syntax.status).toBe(200);
    expect(syntax.body.conversations).toEqual([]);

    const deleted = await harness.request("DELETE", "/api/conversations/list-wok");
    expect(deleted.body).toEqual({ deleted: true, id: "list-wok" });
    expect((await harness.request("GET", "/api/conversations/list-wok")).status).toBe(404);
    expect((await harness.request("GET", "/api/sessions/list-wok")).status).toBe(404);
    expect(await rowsOf("list-wok")).toEqual([]);
    expect((await harness.request("GET", "/api/conversations?q=wok")).body.conversations).toEqual([]);
  });

  it("remembers the model picked for a conversation", async () => {
    vendors.openai.script(reply("One."), reply("Two."));
    await chat({ message: "Pick a model", session_id: "model-1", provider: "openai", model: "gpt-4.1-nano" });
    await chat({ message: "And again", session_id: "model-1" });
    expect((vendors.openai.requests.at(-1)!.body as { model: string }).model).toBe("gpt-4.1-nano");
    expect(await conversation("model-1")).toMatchObject({ provider: "openai", model: "gpt-4.1-nano" });
  });
});

describe("what is remembered", () => {
  async function engramsOf(context: string): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const list = await harness.request("GET", `/api/memories?context_id=${context}`);
    return list.body.memories.length;
  }

  it("a temporary chat is never listed and writes no memory; a chat not to remember writes none", async () => {
    vendors.openai.script(reply("Off the record."), reply("Not kept."), reply("Kept."));
    const temporary = await chat({ message: "Secret plans", session_id: "temp-1", temporary: true });
    expect(temporary.at(-1)!.data.engram_id).toBeNull();
    await chat({ message: "Forget me", session_id: "forget-1", remember: false });
    await chat({ message: "Remember me", session_id: "remember-1" });

    const list = await harness.request("GET", "/api/conversations?limit=100");
    const ids = list.body.conversations.map((item: any) => item.id);
    expect(ids).not.toContain("temp-1");
    expect(ids).toContain("forget-1");
    expect((await harness.request("GET", "/api/conversations?q=secret")).body.conversations).toEqual([]);
    expect(await engramsOf("temp-1")).toBe(0);
    expect(await engramsOf("forget-1")).toBe(0);
    expect(await engramsOf("remember-1")).toBe(1);

    const switched = await harness.request("PATCH", "/api/conversations/remember-1", { remember: false });
    expect(switched.body.remember).toBe(false);
  });

  it("a regenerated answer's memory takes the place of the earlier one's", async () => {
    vendors.openai.script(reply("Tea is green."), reply("Tea is black."));
    const first = await chat({ message: "Which tea do I like?", session_id: "mem-regen" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await chat({ reply_to: first[0]!.data.user_message_id, session_id: "mem-regen" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const list = await harness.request("GET", "/api/memories?context_id=mem-regen");
    expect(list.body.memories.map((memory: any) => memory.text)).toEqual([
      "User: Which tea do I like?\nTest Agent: Tea is black.",
    ]);
  });
});

describe("export, import and erase", () => {
  it("exports every conversation with all its versions, takes them back, and erases them", async () => {
    vendors.openai.script(reply("Exported answer."), reply("Second version."));
    const first = await chat({ message: "Export me", session_id: "backup-1" });
    await chat({ reply_to: first[0]!.data.user_message_id, session_id: "backup-1" });

    const exported = await harness.request("GET", "/api/export");
    const item = exported.body.conversations.find((entry: any) => entry.id === "backup-1");
    expect(exported.body.counts.conversations).toBe(exported.body.conversations.length);
    expect(item.messages.map((message: any) => message.content)).toEqual([
      "Export me",
      "Exported answer.",
      "Second version.",
    ]);

    const erased = await harness.request("DELETE", "/api/data", { confirm: "erase everything" });
    expect(erased.body.erased.conversations).toBeGreaterThanOrEqual(1);
    expect((await harness.request("GET", "/api/conversations")).body.conversations).toEqual([]);
    expect((await harness.request("GET", "/api/conversations?q=export")).body.conversations).toEqual([]);

    const document = { format: exported.body.format, conversations: [item] };
    const imported = await harness.request("POST", "/api/import", document);
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.imported.conversations).toBe(1);
    const again = await harness.request("POST", "/api/import", document);
    expect(again.body).toMatchObject({ imported: { conversations: 0 }, unchanged: { conversations: 1 } });
    expect(shown(await conversation("backup-1"))).toEqual([
      ["user", "Export me"],
      ["assistant", "Second version."],
    ]);
    expect((await harness.request("GET", "/api/conversations?q=export")).body.conversations).toHaveLength(1);
  });
});

describe("the daily upkeep", () => {
  const kept = useWorker(
    {
      LLM_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-retention",
      CONVERSATION_RETENTION_DAYS: "30",
      EMBEDDING_PROVIDER: "hash",
    },
    () => ({ vars: { OPENAI_BASE_URL: vendors.openai.baseURL } }),
  );

  it("deletes conversations past CONVERSATION_RETENTION_DAYS and temporary chats past their session", async () => {
    for (const id of ["old-1", "recent-1", "temp-old"]) {
      vendors.openai.script(reply("ok"));
      await chat({ message: `hello ${id}`, session_id: id, temporary: id.startsWith("temp") }, kept);
    }
    const d1 = await kept.d1();
    await d1.prepare("UPDATE conversations SET updated_at = datetime('now', '-31 days') WHERE id = 'old-1'").run();
    await d1.prepare("UPDATE conversations SET updated_at = datetime('now', '-2 hours') WHERE id = 'temp-old'").run();
    const worker = await kept.worker.miniflare.getWorker();
    expect((await worker.scheduled({ cron: "17 3 * * *" })).outcome).toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left = await d1.prepare("SELECT id FROM conversations ORDER BY id").all<{ id: string }>();
    expect(left.results.map((row) => row.id)).toEqual(["recent-1"]);
    const messages = await d1.prepare("SELECT DISTINCT conversation_id FROM conversation_messages").all();
    expect(messages.results).toEqual([{ conversation_id: "recent-1" }]);
  });
});

describe("titles by the model", () => {
  const titled = useWorker(
    { LLM_PROVIDER: "openai", OPENAI_API_KEY: "sk-titles", CONVERSATION_TITLES: "model", EMBEDDING_PROVIDER: "hash" },
    () => ({ vars: { OPENAI_BASE_URL: vendors.openai.baseURL } }),
  );

  it("names a conversation after its first answer, in the background, with one small call", async () => {
    vendors.openai.script(reply("Grow basil in full sun."), reply('"Growing Basil Indoors."\nmore text'));
    await chat({ message: "how do i grow basil on a windowsill", session_id: "titled-1" }, titled);
    let detail: any;
    for (let attempt = 0; attempt < 50 && detail?.title_source !== "model"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      detail = (await titled.request("GET", "/api/conversations/titled-1")).body;
    }
    expect(detail).toMatchObject({ title: "Growing Basil Indoors", title_source: "model" });
    const titleCall = vendors.openai.requests.at(-1)!.body as { max_tokens: number; messages: { content: string }[] };
    expect(titleCall.max_tokens).toBeLessThanOrEqual(32);
    expect(titleCall.messages.at(-1)!.content).toContain("how do i grow basil");

    // The person's own name is never replaced.
    await titled.request("PATCH", "/api/conversations/titled-1", { title: "Windowsill" });
    vendors.openai.script(reply("Water it often."), reply("Another Title"));
    await chat({ message: "and water?", session_id: "titled-1" }, titled);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await titled.request("GET", "/api/conversations/titled-1")).body.title).toBe("Windowsill");
  });
});
