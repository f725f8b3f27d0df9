import { badRequest } from "./http-error";

/**
 * Keyset pagination position: the (timestamp, id) of the last row of the previous page, as
 * opaque base64url JSON. Newest-first pages continue strictly below it, so rows written between
 * two requests never shift or repeat a page.
 */
export interface CursorPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  const bytes = new TextEncoder().encode(JSON.stringify([position.at, position.id]));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

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
  throw badRequest(field, "is not a cursor returned by this API");
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
