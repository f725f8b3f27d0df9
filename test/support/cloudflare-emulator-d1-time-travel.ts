import { createHash } from "node:crypto";

/**
 * D1 Time Travel for the emulator: a bookmark names one state of the database. The emulator keeps
 * a full SQLite image (better-sqlite3 `serialize()`) per bookmark: one at creation, one after every
 * request that changed the database and one after every restore, so any of them can be restored.
 */

export interface Bookmark {
  /** Shaped like D1's, e.g. `00000001-00000002-00004e2f-0a83ea2fceebc654de0640c422be4653`. */
  id: string;
  /** When the state was reached, ms since the epoch. */
  at: number;
  image: Buffer;
}

export class BookmarkLog {
  private readonly bookmarks: Bookmark[] = [];

  /** Records a state; the new bookmark sorts after every earlier one, as D1's do. */
  record(image: Buffer, at = Date.now()): Bookmark {
    const sequence = this.bookmarks.length + 1;
    const digest = createHash("md5").update(image).digest("hex");
    const id = [hex8(sequence), hex8(0), hex8(Math.floor(at / 1000) >>> 0), digest].join("-");
    const bookmark = { id, at, image };
    this.bookmarks.push(bookmark);
    return bookmark;
  }

  latest(): Bookmark {
    return this.bookmarks[this.bookmarks.length - 1]!;
  }

  /** The last state reached at or before `at`; the first state for earlier times. */
  atOrBefore(at: number): Bookmark {
    return this.bookmarks.filter((bookmark) => bookmark.at <= at).pop() ?? this.bookmarks[0]!;
  }

  find(id: string): Bookmark | undefined {
    return this.bookmarks.find((bookmark) => bookmark.id === id);
  }
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}
