import * as path from "node:path";
import { Miniflare, type Request as MiniflareRequest, type Response as MiniflareResponse } from "miniflare";
import type { Env } from "../worker/env";
import { bundleWorker, type WorkerBundle } from "../stack/bundle";
import { compatibilityDate, compatibilityFlags } from "../stack/sos-stack";
import { applyLocalMigrations } from "./local-d1";
import { startLocalFront } from "./local-front";

/** The worker's settings and secrets: every Env key whose value is a string. */
export type WorkerVars = { [K in keyof Env as NonNullable<Env[K]> extends string ? K : never]?: string };

export interface LocalWorkerOptions {
  /** Settings and secrets, as the deployed worker receives them from its bindings. */
  vars: WorkerVars;
  /** Folder of the D1 and KV files; in memory when omitted (tests). */
  persistDir?: string;
  /**
   * Listen here (npm start; 0 for any free port), through cli/local-front.ts, which sets
   * CF-Connecting-IP from the socket as Cloudflare does. Tests call `dispatchFetch` and need no port.
   */
  port?: number;
  host?: string;
  /** Every outbound request of the worker goes through this when given (tests record egress). */
  outbound?: (request: MiniflareRequest) => Promise<MiniflareResponse> | MiniflareResponse;
  /**
   * A stand-in for the AI binding (Workers AI runs only in a Cloudflare account): the source of a
   * module worker whose default export is `(env) => ({ run(model, inputs) {...} })`, bound as AI
   * through miniflare's wrapped bindings. Tests only.
   */
  workersAiStandIn?: { script: string; bindings?: Record<string, string> };
  /**
   * A built frontend folder (buildFrontend) to serve on the worker's own origin through Workers
   * Assets: a request for one of its files gets the file, every other request goes to the worker.
   * Without it the worker answers every request, as deployed.
   */
  assets?: string;
  log?: (line: string) => void;
}

export interface LocalWorker {
  miniflare: Miniflare;
  /** Where the worker answers (http://host:port/ when listening, an internal URL otherwise). */
  url: URL;
  /** Applied migration names, in order, during this start. */
  appliedMigrations: string[];
  close(): Promise<void>;
}

/**
 * Runs the worker in workerd with real SQLite-backed D1 and KV: the same bundle as `pulumi up`
 * uploads, the same migrations, bound under the same names.
 */
export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const bundle = bundleWorker();
  const persist = (kind: string) => (options.persistDir ? path.join(options.persistDir, kind) : false);
  const standIn = options.workersAiStandIn;
  const listen = options.port !== undefined;
  const miniflare = new Miniflare({
    d1Persist: persist("d1"),
    kvPersist: persist("kv"),
    // workerd itself listens only on loopback, on a port of its own; callers reach it through the front.
    ...(listen ? { port: 0, host: "127.0.0.1" } : {}),
    workers: [
      {
        name: "sos",
        modules: miniflareModules(bundle),
        compatibilityDate,
        compatibilityFlags,
        d1Databases: { DB: "sos-local-memory" },
        kvNamespaces: { SESSION: "sos-local-session" },
        bindings: { ...options.vars },
        ...(options.outbound ? { outboundService: options.outbound } : {}),
        ...(standIn ? { wrappedBindings: { AI: { scriptName: "workers-ai-stand-in" } } } : {}),
        ...(options.assets ? { assets: { directory: options.assets, routerConfig: { has_user_worker: true } } } : {}),
      },
      ...(standIn
        ? [{ name: "workers-ai-stand-in", modules: true, script: standIn.script, bindings: standIn.bindings ?? {} }]
        : []),
    ],
  });
  let front: Awaited<ReturnType<typeof startLocalFront>> | undefined;
  try {
    const inner = await miniflare.ready;
    const appliedMigrations = await applyLocalMigrations(await miniflare.getD1Database("DB"), options.log);
    if (listen) front = await startLocalFront(inner, options.host ?? "127.0.0.1", options.port!);
    return {
      miniflare,
      url: front?.url ?? inner,
      appliedMigrations,
      close: async () => {
        await front?.close();
        await miniflare.dispose();
      },
    };
  } catch (error) {
    await front?.close();
    await miniflare.dispose();
    throw error;
  }
}

/** A bundle as miniflare's modules: worker.js and, beside it, each WebAssembly module it imports. */
export function miniflareModules(bundle: WorkerBundle) {
  return [
    { type: "ESModule" as const, path: "worker.js", contents: bundle.code },
    ...bundle.wasm.map((module) => ({ type: "CompiledWasm" as const, path: module.name, contents: module.bytes })),
  ];
}
