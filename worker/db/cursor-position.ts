/**
 * Where a keyset page continues: the (timestamp, id) of the last row of the previous page. Newest-first
 * pages continue strictly below it, so rows written between two requests never shift or repeat a page.
 * The http layer carries it as an opaque cursor string (worker/http/cursor.ts).
 */
export interface CursorPosition {
  at: string;
  id: string;
}
