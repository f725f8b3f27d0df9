import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../../cli/local-worker";
import { defaultTestVars, deployedBase, testAgentKey } from "../../support/worker-harness";

/**
 * DELETE /api/data against D1 and KV kept on disk, as `npm start` keeps them in .sos/: afterwards no
 * file under the folder (the SQLite database, its write-ahead log, KV's files) holds any of the
 * erased words, in any case (the full-text indexes keep them lowercased).
 */
let dir: string;
let worker: LocalWorker;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "sos-erase-disk-"));
  worker = await startLocalWorker({ vars: { ...defaultTestVars, EMBEDDING_PROVIDER: "hash" }, persistDir: dir });
});
afterAll(async () => {
  await worker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await worker.miniflare.dispatchFetch(new URL(route, deployedBase).href, {
    method,
    headers: { authorization: `Bearer ${testAgentKey}`, "content-type": "application/json", ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/**
 * Words that occur nowhere else, each in a memory, a session, a contact message, an agent name, a
 * conversation's message or its title.
 */
const secrets = {
  memory: "Quokkaquasar",
  concept: "Xylophantom",
  session: "Marmalune",
  contact: "Zebrafjord",
  mirrorAgent: "Ocelotide",
  conversation: "Pangolingo",
  conversationTitle: "Narwhalcove",
};

/** A conversation as the export writes it, its title and its messages holding the given words. */
function conversationWith(word: string, titleWord: string) {
  const at = new Date().toISOString();
  const message = (id: string, parent: string | null, role: string, content: string) => ({
    id,
    parent_id: parent,
    role,
    content,
    status: "complete",
    error_code: null,
    error_message: null,
    finish_reason: null,
    provider: null,
    model: null,
    input_tokens: null,
    output_tokens: null,
    engram_id: null,
    created_at: at,
    updated_at: at,
  });
  return {
    id: "kept-conversation",
    agent: defaultTestVars.AGENT_ID,
    title: `${titleWord} plans`,
    title_source: "user",
    pinned: false,
    remember: true,
    temporary: false,
    provider: null,
    model: null,
    leaf_id: "answer-1",
    created_at: at,
    updated_at: at,
    messages: [
      message("question-1", null, "user", `where is ${word} kept?`),
      message("answer-1", "question-1", "assistant", `${word} is kept at home`),
    ],
  };
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** Where each secret (as written, and lowercased) can still be read: `file: word`. */
function readableSecrets(): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const word of Object.values(secrets)) {
      for (const form of [word, word.toLowerCase()]) {
        if (bytes.includes(form)) found.push(`${path.relative(dir, file)}: ${form}`);
      }
    }
  }
  return [...new Set(found)].sort();
}

describe("DELETE /api/data on disk", () => {
  it("leaves none of the erased text in the database file, its write-ahead log or KV's files", async () => {
    // Enough rows for several pages per table, so rows move between pages as they are written.
    for (let i = 0; i < 120; i++) {
      const created = await call("POST", "/api/memories", {
        text: `${secrets.memory} note ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(10 + (i % 30))}`,
        core_concepts: [`${secrets.concept}${i}`],
      });
      expect(created.status).toBe(201);
    }
    expect(
      (await call("POST", "/store", { agent: secrets.mirrorAgent, context_id: "c", text: "mirror note" })).status,
    ).toBe(200);
    const imported = await call("POST", "/api/import", {
      format: "sos-export/1",
      sessions: [
        {
          id: "kept-session",
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
          messages: [{ role: "user", content: `${secrets.session} is my secret`, at: new Date().toISOString() }],
        },
      ],
      conversations: [conversationWith(secrets.conversation, secrets.conversationTitle)],
    });
    expect(imported.status).toBe(200);
    const contact = await call("POST", "/api/contact", { from_agent: "peer", message: `${secrets.contact} greetings` });
    expect(contact.status).toBe(201);
    expect((await call("PATCH", "/api/memories/" + "missing", { importance: 1 })).status).toBe(404);

    // Everything is on disk before the erase (otherwise the check below would prove nothing).
    const before = readableSecrets().join("\n");
    for (const word of Object.values(secrets)) expect(before, word).toContain(word);

    const erased = await call("DELETE", "/api/data", { confirm: "erase everything" });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      erased: { engrams: 121, agent_state: 0, contacts: 1, conversations: 1, sessions: 1 },
      overwritten: true,
    });
    expect(readableSecrets()).toEqual([]);
  });

  it("leaves a database that works as before: stores, finds, lists, counts", async () => {
    const created = await call("POST", "/api/memories", {
      text: "after the erase, a new beginning",
      core_concepts: ["fresh"],
    });
    expect(created.status).toBe(201);
    const found = await call("POST", "/api/memories/search", { query: "beginning" });
    expect(found.body.results.map((row: { id: string }) => row.id)).toEqual([created.body.id]);
    const stemmed = await call("POST", "/api/memories/search", { query: "beginnings" });
    expect(stemmed.body.results.map((row: { id: string }) => row.id)).toEqual([created.body.id]);
    expect((await call("GET", "/stats")).body).toEqual({
      total_engrams: 1,
      by_agent: { [defaultTestVars.AGENT_ID!]: 1 },
    });
    const state = await call("PATCH", "/api/state", { inner: { p: 0.9 } });
    expect(state.body.uv_16d.inner.p).toBe(0.9);
    const contact = await call("POST", "/api/contact", { from_agent: "peer", message: "hello again" });
    expect(contact.status).toBe(201);
    // A second erase in a row works the same way.
    const again = await call("DELETE", "/api/data", { confirm: "erase everything" });
    expect(again.body).toEqual({
      erased: { engrams: 1, agent_state: 1, contacts: 1, conversations: 0, sessions: 0 },
      overwritten: true,
    });
  });
});
