import type { CursorPosition } from "../db/cursor-position";
import { badRequest, type HttpError } from "./http-error";

/** A keyset position (worker/db/cursor-position.ts) as the opaque cursor the API hands out: base64url JSON. */
export function encodeCursor(position: CursorPosition): string {
  const bytes = new TextEncoder().encode(JSON.stringify([position.at, position.id]));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The 400 for a cursor this API did not hand out (or KV, for the sessions list). */
export const unknownCursor = (field = "cursor"): HttpError => badRequest(field, "is not a cursor returned by this API");

export function decodeCursor(cursor: string, field = "cursor"): CursorPosition {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
    const decoded: unknown = JSON.parse(text);
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === "string" &&
      typeof decoded[1] === "string" &&
      decoded[0].length <= 64 &&
      decoded[1].length <= 256
    ) {
      return { at: decoded[0], id: decoded[1] };
    }
  } catch {
    // falls through to the same error as a well-formed but foreign value
  }
  throw unknownCursor(field);
}

/**
 * Cuts a `limit + 1` row read down to one page; the extra row only tells that another page exists,
 * and the cursor then points at the page's last row.
 */
export function paginate<T>(
  rows: readonly T[],
  limit: number,
  position: (row: T) => CursorPosition | undefined,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const lastPosition = rows.length > limit && last !== undefined ? position(last) : undefined;
  return { page, nextCursor: lastPosition ? encodeCursor(lastPosition) : null };
}
