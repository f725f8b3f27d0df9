import type { D1Database, KVNamespace } from "@cloudflare/workers-types/index";
import { afterAll, beforeAll } from "vitest";
import { startLocalWorker, type LocalWorker, type LocalWorkerOptions, type WorkerVars } from "../../cli/local-worker";

/** The key, agent and origin every harness worker is configured with unless a test overrides them. */
export const testAgentKey = "test-agent-key-5f0c9a7e-4b1d";
export const testAgentId = "test-agent";
export const testPagesOrigin = "https://test-agent-chat.pages.dev";

/** Where requests are addressed unless a test says otherwise: a deployed (non-local) host. */
export const deployedBase = "https://test-agent-worker.example.workers.dev";

export const defaultTestVars: WorkerVars = {
  AGENT_KEY: testAgentKey,
  AGENT_ID: testAgentId,
  AGENT_NAME: "Test Agent",
  LLM_PROVIDER: "workers-ai",
  EMBEDDING_PROVIDER: "workers-ai",
  ALLOWED_ORIGINS: testPagesOrigin,
  SESSION_TTL_SECONDS: "3600",
  TELEMETRY: "false",
  YELLOW_PAGES: "false",
  // Titles by the model would add a model call after each first answer; the tests that want them say so.
  CONVERSATION_TITLES: "message",
};

export interface RequestOptions {
  /** true (default): the right key; false: no Authorization header; a string: that bearer token. */
  auth?: boolean | string;
  headers?: Record<string, string>;
  /** Scheme and host the request is addressed to (default `deployedBase`). */
  base?: string;
}

export interface HarnessResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  text: string;
}

export interface WorkerHarness {
  readonly worker: LocalWorker;
  /** Sends a request through workerd; a string body is sent as is, anything else as JSON. */
  request<T = any>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<HarnessResponse<T>>;
  d1(): Promise<D1Database>;
  kv(): Promise<KVNamespace>;
}

/**
 * One worker (real workerd, migrated SQLite D1, KV) for the calling test file: started before its
 * tests, disposed after. `vars` are merged over `defaultTestVars`; an undefined value removes one.
 */
export function useWorker(
  vars: Partial<Record<keyof WorkerVars, string | undefined>> = {},
  /**
   * Egress capture, the Workers AI stand-in, and vars only known once other fixtures started (a fake
   * server's URL): read in beforeAll, after the test file's earlier hooks.
   */
  options: () => Pick<LocalWorkerOptions, "outbound" | "workersAiStandIn"> & { vars?: Partial<WorkerVars> } = () => ({}),
): WorkerHarness {
  let started: LocalWorker | undefined;
  beforeAll(async () => {
    const { vars: lateVars, ...rest } = options();
    const merged = Object.fromEntries(
      Object.entries({ ...defaultTestVars, ...vars, ...lateVars }).filter(([, value]) => value !== undefined),
    ) as WorkerVars;
    started = await startLocalWorker({ vars: merged, ...rest });
  });
  afterAll(async () => {
    await started?.close();
  });

  const worker = (): LocalWorker => {
    if (!started) throw new Error("the worker is not started (use the harness inside tests)");
    return started;
  };

  return {
    get worker() {
      return worker();
    },
    async request(method, path, body, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const auth = options.auth ?? true;
      if (auth !== false) headers["authorization"] ??= `Bearer ${auth === true ? testAgentKey : auth}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === "string" ? body : JSON.stringify(body);
        headers["content-type"] ??= "application/json";
      }
      const response = await worker().miniflare.dispatchFetch(new URL(path, options.base ?? deployedBase).href, {
        method,
        headers,
        ...(payload !== undefined && { body: payload }),
      });
      const text = await response.text();
      const isJson = (response.headers.get("content-type") ?? "").includes("application/json");
      return {
        status: response.status,
        headers: response.headers as unknown as Headers,
        body: isJson ? JSON.parse(text) : text,
        text,
      };
    },
    async d1() {
      return (await worker().miniflare.getD1Database("DB")) as unknown as D1Database;
    },
    async kv() {
      return (await worker().miniflare.getKVNamespace("SESSION")) as unknown as KVNamespace;
    },
  };
}
