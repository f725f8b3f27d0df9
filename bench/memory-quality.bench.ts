import { mkdtempSync, rmSync } from "node:fs";
import type { BenchmarkAbout } from "./benchmark-about";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Miniflare } from "miniflare";
import { localVars } from "../cli/local-env";
import { miniflareModules, startLocalWorker } from "../cli/local-worker";
import { bundleModule } from "../stack/bundle";
import { compatibilityDate, compatibilityFlags } from "../stack/sos-stack";
import { queryTerms } from "../worker/memory/fts-query";
import { conversationMemories, conversationQuestions } from "./memory-recall-data";
import { categorize, qualityConversations } from "./memory-quality-data";

/**
 * `npm run bench -- memory-quality`: retrieval quality of the memory engine on labelled long
 * conversations, as a new user meets it (`npm start`'s worker and settings, no model configured:
 * the built-in hashing embedding), against plain FTS5 bm25 over the same texts (the floor).
 *
 * 1. Every turn of the conversations is stored through Mirror's `POST /store` (agent = the
 *    conversation, context_id = conversation:turn) into `npm start`'s worker; every question is
 *    asked through Mirror's `POST /search` (its defaults, and `threshold: 0`) and through
 *    `POST /api/memories/search`.
 * 2. The same D1 is then opened by the benchmark worker (bench/memory-recall-worker.ts), which asks
 *    each question of plain bm25 (unicode61 and porter), of recall's full text alone, of its
 *    vectors alone, and of hybrid recall.
 * recall@k: share of questions with at least one evidence turn in the first k; coverage@k: mean
 * share of a question's evidence turns in the first k. A second, small set (the 40 memories of
 * bench/memory-recall-data.ts) is measured the same way.
 */

const ks = [5, 10] as const;
const agentKey = "bench-quality-key";

interface Hits {
  ids: string[];
}

async function post<T>(
  fetcher: Miniflare,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetcher.dispatchFetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface Scored {
  category: string;
  hit: Record<number, boolean>;
  coverage: Record<number, number>;
}

function score(found: string[], evidence: string[], category: string): Scored {
  const hit: Record<number, boolean> = {};
  const coverage: Record<number, number> = {};
  for (const k of ks) {
    const top = new Set(found.slice(0, k));
    const covered = evidence.filter((id) => top.has(id)).length;
    hit[k] = covered > 0;
    coverage[k] = covered / evidence.length;
  }
  return { category, hit, coverage };
}

function summary(scored: Scored[]) {
  const mean = (values: number[]) =>
    values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    recall5: mean(scored.map((entry) => Number(entry.hit[5]))),
    recall10: mean(scored.map((entry) => Number(entry.hit[10]))),
    coverage10: mean(scored.map((entry) => entry.coverage[10]!)),
  };
}

function report(title: string, modes: Map<string, Scored[]>, categories: string[]): void {
  const first = [...modes.values()][0]!;
  const counts = categories.map((category) => first.filter((entry) => entry.category === category).length);
  console.log(`\n${title}`);
  console.log(
    [
      "what answered".padEnd(44),
      "recall@5",
      "recall@10",
      "coverage@10",
      ...categories.map((category, index) => `r@10 ${category} (${counts[index]})`),
    ].join(" | "),
  );
  for (const [mode, scored] of modes) {
    const all = summary(scored);
    const row = [
      mode.padEnd(44),
      all.recall5.toFixed(3).padStart(8),
      all.recall10.toFixed(3).padStart(9),
      all.coverage10.toFixed(3).padStart(11),
      ...categories.map((category) => {
        const some = scored.filter((entry) => entry.category === category);
        return summary(some).recall10.toFixed(3).padStart(`r@10 ${category} (00)`.length);
      }),
    ];
    console.log(row.join(" | "));
  }
}

const words = (text: string) => queryTerms(text);

/** What `npm run bench -- --help` says of this benchmark. */
export const about: BenchmarkAbout = {
  summary: "memory retrieval quality (recall@5/10, coverage) on labelled conversations, against plain FTS5 bm25",
  knobs: {},
};

export default async function memoryQuality(): Promise<void> {
  const conversations = qualityConversations();
  const persistDir = mkdtempSync(path.join(tmpdir(), "sos-bench-quality-"));
  try {
    const categories = ["shared words", "word forms", "no shared word", "two turns"];
    const questions = conversations.flatMap((conversation) =>
      conversation.questions.map((question) => ({
        conversation,
        ...question,
        category: categorize(
          question.question,
          question.evidence.map((turn) => conversation.turns[turn]!.text),
          words,
        ),
        evidenceIds: question.evidence.map((turn) => `${conversation.id}:${turn}`),
      })),
    );
    const turns = conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0);
    console.log(
      `sos-convo-v1 (built by bench/memory-quality-data.ts, Apache-2.0): ${conversations.length} conversations, ` +
        `${turns} turns, ${questions.length} questions; ` +
        categories
          .map((category) => `${questions.filter((q) => q.category === category).length} ${category}`)
          .join(", "),
    );

    // 1. npm start's worker, through the Mirror routes and the runtime API.
    const vars = localVars({}, agentKey);
    const local = await startLocalWorker({ vars, persistDir });
    const auth = { authorization: `Bearer ${agentKey}` };
    const modes = new Map<string, Scored[]>();
    const contextIds = new Map<string, string>();
    let merged = 0;
    const storeStarted = performance.now();
    try {
      for (const conversation of conversations) {
        for (const [index, turn] of conversation.turns.entries()) {
          const stored = await post<{ merged: boolean }>(
            local.miniflare,
            new URL("/store", local.url).href,
            { agent: conversation.id, context_id: `${conversation.id}:${index}`, text: turn.text },
            auth,
          );
          if (stored.merged) merged += 1;
        }
      }
      console.log(
        `stored through Mirror POST /store in ${((performance.now() - storeStarted) / 1000).toFixed(1)} s; ${merged} turns merged into a near-duplicate ` +
          "(the assistant's small-talk replies repeat word for word; a merge needs every word of the new turn in the engram)",
      );
      const mirror = async (label: string, extra: Record<string, unknown>) => {
        const scored: Scored[] = [];
        let empty = 0;
        for (const question of questions) {
          const results = await post<{ context_id: string; id: string }[]>(
            local.miniflare,
            new URL("/search", local.url).href,
            { query: question.question, agent_filter: question.conversation.id, top_k: 10, ...extra },
            auth,
          );
          if (results.length === 0) empty += 1;
          for (const row of results) contextIds.set(row.id, row.context_id);
          scored.push(
            score(
              results.map((row) => row.context_id),
              question.evidenceIds,
              question.category,
            ),
          );
        }
        modes.set(`${label} (${empty} empty)`, scored);
      };
      await mirror("Mirror /search, its defaults (threshold 0.5)", {});
      await mirror("Mirror /search, threshold 0", { threshold: 0 });
      const api: Scored[] = [];
      for (const question of questions) {
        const body = await post<{ results: { context_id: string }[] }>(
          local.miniflare,
          new URL("/api/memories/search", local.url).href,
          { query: question.question, agent: question.conversation.id, limit: 10 },
          auth,
        );
        api.push(
          score(
            body.results.map((row) => row.context_id),
            question.evidenceIds,
            question.category,
          ),
        );
      }
      modes.set("POST /api/memories/search", api);
    } finally {
      await local.close();
    }

    // 2. The same D1, opened by the benchmark worker: the floor and each list alone.
    const bench = new Miniflare({
      modules: miniflareModules(bundleModule("bench/memory-recall-worker.ts")),
      compatibilityDate,
      compatibilityFlags,
      d1Databases: { DB: "sos-local-memory" },
      d1Persist: path.join(persistDir, "d1"),
    });
    try {
      const ask = async (route: string, body: (question: (typeof questions)[number]) => Record<string, unknown>) => {
        const scored: Scored[] = [];
        for (const question of questions) {
          const found = await post<Hits>(bench, `http://bench${route}`, {
            agent: question.conversation.id,
            k: 10,
            query: question.question,
            ...body(question),
          });
          scored.push(
            score(
              found.ids.map((id) => contextIds.get(id) ?? `id:${id}`),
              question.evidenceIds,
              question.category,
            ),
          );
        }
        return scored;
      };
      // Ids the Mirror answers never named are looked up by context: read them all once.
      const d1 = await bench.getD1Database("DB");
      for (const row of (
        await d1.prepare("SELECT id, context_id FROM engrams").all<{ id: string; context_id: string }>()
      ).results) {
        contextIds.set(row.id, row.context_id);
      }
      const ordered = new Map<string, Scored[]>();
      ordered.set("plain FTS5 bm25, unicode61 (the floor)", await ask("/plain", () => ({ index: "unicode61" })));
      ordered.set("plain FTS5 bm25, porter", await ask("/plain", () => ({ index: "porter" })));
      ordered.set("recall: full text only", await ask("/recall", () => ({ use: { text: true, vector: false } })));
      ordered.set(
        "recall: vectors only (hashing embedding)",
        await ask("/recall", () => ({ use: { text: false, vector: true } })),
      );
      ordered.set("recall: hybrid (npm start's defaults)", await ask("/recall", () => ({})));
      for (const [mode, scored] of modes) ordered.set(mode, scored);
      report(
        "quality on sos-convo-v1 (recall@k: a question with an evidence turn in the first k)",
        ordered,
        categories,
      );

      // The small set: 40 memories, 40 questions (bench/memory-recall-data.ts).
      const stored = await post<{ ids: string[] }>(bench, "http://bench/remember", {
        agent: "small-set",
        texts: conversationMemories,
      });
      const small = new Map<string, Scored[]>();
      const smallAsk = async (route: string, extra: Record<string, unknown>) => {
        const scored: Scored[] = [];
        for (const question of conversationQuestions) {
          const found = await post<Hits>(bench, `http://bench${route}`, {
            agent: "small-set",
            k: 10,
            query: question.question,
            ...extra,
          });
          scored.push(
            score(
              found.ids,
              question.relevant.map((index) => stored.ids[index]!),
              question.kind,
            ),
          );
        }
        return scored;
      };
      small.set("plain FTS5 bm25, unicode61 (the floor)", await smallAsk("/plain", { index: "unicode61" }));
      small.set("plain FTS5 bm25, porter", await smallAsk("/plain", { index: "porter" }));
      small.set("recall: full text only", await smallAsk("/recall", { use: { text: true, vector: false } }));
      small.set(
        "recall: vectors only (hashing embedding)",
        await smallAsk("/recall", { use: { text: false, vector: true } }),
      );
      small.set("recall: hybrid", await smallAsk("/recall", {}));
      report("quality on the small set (40 memories, 40 questions)", small, [
        "shared words",
        "word forms",
        "paraphrase",
      ]);
    } finally {
      await bench.dispose();
    }
  } finally {
    rmSync(persistDir, { recursive: true, force: true });
  }
}
