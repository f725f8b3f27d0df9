import { badRequest } from "./http-error";
import type { AppRequest } from "./types";

/** A path parameter, percent-decoded; bounded so it can be a KV key or a bound SQL value. */
export function pathParam(request: AppRequest, name: string, maxLength = 256): string {
  const raw = request.params[name] ?? "";
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw badRequest(name, "is not valid percent-encoding");
  }
  if (value === "" || value.length > maxLength) throw badRequest(name, `must be 1 to ${maxLength} characters`);
  return value;
}

/** One query parameter; a repeated one is an error rather than a silent pick. */
export function queryParam(request: AppRequest, name: string, maxLength = 1024): string | undefined {
  const value = request.query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw badRequest(name, "must be given once");
  if (value.length > maxLength) throw badRequest(name, `must be at most ${maxLength} characters`);
  requireWellFormedQuery(request, name);
  return value;
}

/**
 * URL parsing reads a malformed percent-encoding (`%ED%A0%80`, a lone `%E0`) as U+FFFD without a
 * word; the raw query is decoded again, strictly, so such a value is refused by name instead.
 */
function requireWellFormedQuery(request: AppRequest, name: string): void {
  const decode = (raw: string): string | undefined => {
    try {
      return decodeURIComponent(raw.replace(/\+/g, " "));
    } catch {
      return undefined;
    }
  };
  for (const pair of new URL(request.url).search.slice(1).split("&")) {
    const [rawKey = "", ...rest] = pair.split("=");
    if (decode(rawKey) === name && decode(rest.join("=")) === undefined) {
      throw badRequest(name, "is not well-formed percent-encoded UTF-8");
    }
  }
}

export function queryInt(
  request: AppRequest,
  name: string,
  options: { min: number; max: number; fallback: number },
): number {
  const value = queryParam(request, name, 16);
  if (value === undefined) return options.fallback;
  if (!/^\d+$/.test(value)) throw badRequest(name, "must be a whole number");
  const number = Number(value);
  if (number < options.min || number > options.max) {
    throw badRequest(name, `must be between ${options.min} and ${options.max}`);
  }
  return number;
}
