import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { defaultEmbedding, defaultReply, estimateTokens, splitIntoChunks } from "./behaviour";
import type { Behaviour, TokenUsage, VendorName } from "./behaviour";
import type {
  Completion,
  EmbedCall,
  GenerateCall,
  Outcome,
  RecordedRequest,
  Refusal,
  VendorWire,
  WireContext,
} from "./wire";

export * from "./behaviour";
export * from "./wire";

export interface FakeVendorOptions {
  /** When set, any other key is refused with the vendor's 401. Without it, any non-empty key is accepted. */
  apiKey?: string;
  /** Shared counter so several fake servers can give one arrival order. */
  sequence?: { next: number };
}

export interface FakeVendor {
  readonly vendor: VendorName;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** What the vendor's SDK takes as its base URL option. */
  readonly baseURL: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Queues what the next calls do, one behaviour per call, in order. Unscripted calls get the default reply. */
  script(...behaviours: Behaviour[]): void;
  /** Behaviours scripted but not yet used. */
  readonly pending: number;
  /**
   * Resolves when the client closes `request`'s connection before the reply completed; rejects if the reply
   * completes instead, or if the connection is still open after `timeoutMs` (default 5 s).
   */
  clientClosed(request: RecordedRequest, timeoutMs?: number): Promise<void>;
  /** Forgets requests and scripted behaviours. */
  reset(): void;
  close(): Promise<void>;
}

interface Exchange {
  res: ServerResponse;
  context: WireContext;
  headers: Record<string, string>;
  settled: Promise<Outcome>;
}

/** Starts one fake vendor on 127.0.0.1 (a free port) that speaks `wire`. */
export async function startFakeVendorServer<G extends GenerateCall, E extends EmbedCall>(
  wire: VendorWire<G, E>,
  options: FakeVendorOptions = {},
): Promise<FakeVendor> {
  const requests: RecordedRequest[] = [];
  const queue: Behaviour[] = [];
  const settledBy = new WeakMap<RecordedRequest, Promise<Outcome>>();
  const unsettled = new Set<Promise<Outcome>>();
  const sequence = options.sequence ?? { next: 1 };
  let closing = false;

  const server = createServer(function handleFakeVendorRequest(req, res) {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake-${wire.vendor} crashed: ${String(error)}`);
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const raw = await readBody(req);
    const record: RecordedRequest = {
      seq: sequence.next++,
      vendor: wire.vendor,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: lowerCasedHeaders(req),
      body: parseBody(raw),
      apiKey: null,
      outcome: "open",
    };
    record.apiKey = wire.credential(record);
    requests.push(record);

    const settled = new Promise<Outcome>((resolve) => {
      res.once("close", () => {
        if (record.outcome === "open") record.outcome = closing ? "server-closed" : "client-closed";
        resolve(record.outcome);
      });
    });
    settledBy.set(record, settled);
    unsettled.add(settled);
    void settled.then(() => unsettled.delete(settled));
    res.once("finish", () => {
      if (record.outcome === "open") record.outcome = "completed";
    });

    const requestId = `req_fake_${wire.vendor}_${String(record.seq).padStart(4, "0")}`;
    const exchange: Exchange = {
      res,
      context: { requestId, created: Math.floor(Date.now() / 1000) },
      headers: wire.responseHeaders(requestId),
      settled,
    };

    if (raw.length > 0 && typeof record.body === "string") {
      return refuse(exchange, { kind: "refuse", status: 400, message: "The request body is not valid JSON." });
    }
    const check = authorize(record) ?? wire.precheck?.(record) ?? null;
    if (check) return refuse(exchange, check);
    const call = wire.parse(record);
    if (call.kind === "refuse") return refuse(exchange, call);
    await perform(exchange, call, queue.shift() ?? defaultBehaviour(call));
  }

  function authorize(record: RecordedRequest): Refusal | null {
    if (!record.apiKey) return wire.keyRefusals.missing;
    if (options.apiKey !== undefined && record.apiKey !== options.apiKey) return wire.keyRefusals.invalid;
    return null;
  }

  function defaultBehaviour(call: G | E): Behaviour {
    if (call.kind === "embed") {
      return { kind: "embed", vectors: call.inputs.map((input) => defaultEmbedding(input, call.dimensions)) };
    }
    const text = defaultReply(wire.vendor, call.prompt);
    return { kind: "reply", text, chunks: splitIntoChunks(text) };
  }

  async function perform(exchange: Exchange, call: G | E, behaviour: Behaviour): Promise<void> {
    switch (behaviour.kind) {
      case "fail":
        return refuse(exchange, { ...behaviour, kind: "refuse" });
      case "hang":
        await exchange.settled;
        return;
      case "embed":
        if (call.kind !== "embed" || behaviour.vectors.length !== call.inputs.length) {
          return mismatch(exchange, behaviour, call);
        }
        return sendJson(exchange, 200, wire.embeddings(call, behaviour.vectors, exchange.context));
      case "reply":
        if (call.kind !== "generate") return mismatch(exchange, behaviour, call);
        if (!call.stream)
          return sendJson(exchange, 200, wire.completion(call, completionOf(call, behaviour), exchange.context));
        return stream(
          exchange,
          wire.streamFrames(call, behaviour.chunks, completionOf(call, behaviour), exchange.context),
          true,
        );
      case "stall":
        if (call.kind !== "generate" || !call.stream) return mismatch(exchange, behaviour, call);
        return stream(exchange, wire.streamFrames(call, behaviour.chunks, null, exchange.context), false);
      case "cut":
      case "drop":
        if (call.kind !== "generate" || !call.stream) return mismatch(exchange, behaviour, call);
        return stream(exchange, wire.streamFrames(call, behaviour.chunks, null, exchange.context), behaviour.kind);
    }
  }

  function completionOf(call: GenerateCall, behaviour: Extract<Behaviour, { kind: "reply" }>): Completion {
    const usage: TokenUsage = behaviour.usage ?? {
      inputTokens: estimateTokens(call.prompt),
      outputTokens: estimateTokens(behaviour.text),
    };
    return { text: behaviour.text, usage };
  }

  /** A script that does not fit the call is a test bug: answer 500 with a message that says so. */
  function mismatch(exchange: Exchange, behaviour: Behaviour, call: G | E): void {
    const what =
      call.kind === "embed"
        ? `an embeddings call with ${call.inputs.length} input(s)`
        : call.stream
          ? "a streamed generate call"
          : "a generate call";
    const detail = behaviour.kind === "embed" ? ` (${behaviour.vectors.length} vector(s))` : "";
    const message = `fake-${wire.vendor} script mismatch: '${behaviour.kind}'${detail} was scripted for ${what}`;
    refuse(exchange, { kind: "refuse", status: 500, message });
  }

  function refuse(exchange: Exchange, refusal: Refusal): void {
    const headers: Record<string, string> =
      refusal.retryAfterSeconds === undefined ? {} : { "retry-after": String(refusal.retryAfterSeconds) };
    sendJson(exchange, refusal.status, wire.errorBody(refusal, exchange.context), headers);
  }

  function sendJson(exchange: Exchange, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    exchange.res.writeHead(status, {
      ...exchange.headers,
      ...extra,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
    });
    exchange.res.end(text);
  }

  /**
   * Writes each frame in its own turn of the event loop, so the client sees them arrive one by one;
   * then ends the response (`true`, or `"cut"`: the same clean end without the frames that finish a
   * reply), resets the connection (`"drop"`), or keeps it open until the client leaves (`false`).
   */
  async function stream(exchange: Exchange, frames: string[], complete: boolean | "cut" | "drop"): Promise<void> {
    const { res } = exchange;
    res.writeHead(200, {
      ...exchange.headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    res.flushHeaders();
    for (const frame of frames) {
      if (res.destroyed) return;
      res.write(frame);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (complete === "drop") {
      // Give the client a moment to read what was written, then reset rather than close.
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.socket?.resetAndDestroy();
    } else if (complete) res.end();
    else await exchange.settled;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    vendor: wire.vendor,
    origin,
    baseURL: origin + wire.basePath,
    requests,
    script(...behaviours) {
      queue.push(...behaviours);
    },
    get pending() {
      return queue.length;
    },
    async clientClosed(request, timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"still open">((resolve) => (timer = setTimeout(resolve, timeoutMs, "still open")));
      const outcome = await Promise.race([settledBy.get(request) ?? Promise.resolve(request.outcome), timeout]);
      clearTimeout(timer);
      if (outcome !== "client-closed") {
        throw new Error(`fake-${wire.vendor}: request ${request.seq} is '${outcome}', not closed by the client`);
      }
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      // Hanging and stalled exchanges never end on their own.
      server.closeAllConnections();
      await Promise.all([closed, ...unsettled]);
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function parseBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function lowerCasedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}
