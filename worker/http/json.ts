import { HttpError, badRequest } from "./http-error";
import { findMalformedText } from "./unicode";

const jsonHeaders = { "content-type": "application/json; charset=utf-8" } as const;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders, ...headers } });
}

/** Default cap on a request body; routes with larger or smaller needs pass their own. */
export const defaultMaxBodyBytes = 256 * 1024;

/**
 * Reads and parses a JSON body. It must be declared `application/json`: a page on another site can
 * send a form (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`) to any URL
 * without asking, but not JSON. More than `maxBytes` is refused while streaming (a lying or absent
 * Content-Length cannot make the worker buffer an unbounded body); the bytes must be UTF-8 and every
 * string in the value well-formed Unicode.
 */
export async function readJsonBody(request: Request, maxBytes = defaultMaxBodyBytes): Promise<unknown> {
  requireJsonContentType(request.headers.get("content-type"));
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readLimitedText(request, maxBytes);
  if (text.trim() === "") throw badRequest("body", "a JSON body is required", "invalid_json");
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest("body", "is not valid JSON", "invalid_json", error);
  }
  const malformed = findMalformedText(value);
  if (malformed) {
    const field = malformed.path || "body";
    throw badRequest(
      field,
      malformed.inKey ? "has a key that is not well-formed Unicode" : "is not well-formed Unicode (a lone surrogate)",
    );
  }
  return value;
}

/** `application/json`, with no charset or UTF-8 (the only encoding JSON may be exchanged in). */
function requireJsonContentType(header: string | null): void {
  const [type = "", ...parameters] = (header ?? "").split(";").map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith("charset="))?.slice("charset=".length);
  if (type === "application/json" && (charset === undefined || /^"?utf-8"?$/.test(charset))) return;
  throw new HttpError(415, "unsupported_media_type", "content-type: must be application/json", {
    field: "content-type",
  });
}

async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
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
    text += decodeUtf8(decoder, value);
  }
  return text + decodeUtf8(decoder);
}

/** A fatal decoder: bytes that are not UTF-8 are refused rather than read as U+FFFD. */
function decodeUtf8(decoder: InstanceType<typeof TextDecoder>, bytes?: Uint8Array): string {
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
  } catch (error) {
    throw badRequest("body", "is not valid UTF-8", "invalid_json", error);
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `body: larger than ${maxBytes} bytes`, { field: "body" });
}
