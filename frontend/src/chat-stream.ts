import { ApiError, type Api } from "./api";
import type { ChatDone, ChatStart, ChatStreamError } from "./api-types";

/** A new message, an edited one (`edit`), or another answer to a stored one (`reply_to`). */
export interface ChatRequest {
  message?: string;
  edit?: string;
  reply_to?: string;
  session_id: string;
  provider?: string;
  model?: string;
  temporary?: boolean;
  remember?: boolean;
}

export interface ChatHandlers {
  /** The worker stored the question and began the answer (their ids). */
  start?(ids: ChatStart): void;
  token(text: string): void;
  done(result: ChatDone): void;
  /** The model failed after the stream began (the worker's `error` event). */
  error(failure: ChatStreamError): void;
}

/**
 * POST /api/chat with `stream: true`, reading the server-sent events as they arrive. Rejects with
 * an ApiError when the worker refuses the request before streaming (401, 400, 503 no model, 502),
 * or with the AbortError when `signal` stops it.
 */
export async function streamChat(api: Api, request: ChatRequest, signal: AbortSignal, on: ChatHandlers): Promise<void> {
  const response = await api.send("POST", "/api/chat", { ...request, stream: true }, signal);
  if (!response.body) throw new ApiError("http", "The worker sent no answer.");
  let finished = false;
  for await (const event of serverSentEvents(response.body)) {
    const data: unknown = JSON.parse(event.data);
    if (event.event === "start") on.start?.(data as ChatStart);
    else if (event.event === "token") on.token((data as { text: string }).text);
    else if (event.event === "done") {
      finished = true;
      on.done(data as ChatDone);
    } else if (event.event === "error") {
      finished = true;
      on.error(data as ChatStreamError);
    }
  }
  if (!finished) {
    on.error({
      code: "stream_cut",
      message: "The answer was cut off before it finished.",
      session_id: request.session_id,
    });
  }
}

interface ServerSentEvent {
  event: string;
  data: string;
}

/** The `event:`/`data:` frames of an event stream (the subset of the format the worker writes, and comments). */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      buffer = buffer.replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame) yield frame;
      }
      if (done) {
        const last = parseFrame(buffer);
        if (last) yield last;
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseFrame(frame: string): ServerSentEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (name === "event") event = value;
    else if (name === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : undefined;
}
