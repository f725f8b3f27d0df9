import { HttpError, badRequest } from "./http-error";

const jsonHeaders = { "content-type": "application/json; charset=utf-8" } as const;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders, ...headers } });
}

/** Default cap on a request body; routes with larger or smaller needs pass their own. */
export const defaultMaxBodyBytes = 256 * 1024;

/**
 * Reads and parses a JSON body, refusing more than `maxBytes` while streaming (a lying or absent
 * Content-Length cannot make the worker buffer an unbounded body).
 */
export async function readJsonBody(request: Request, maxBytes = defaultMaxBodyBytes): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readLimitedText(request, maxBytes);
  if (text.trim() === "") throw badRequest("body", "a JSON body is required", "invalid_json");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest("body", "is not valid JSON", "invalid_json");
  }
}

async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `body: larger than ${maxBytes} bytes`, "body");
}
