-- 0006_erase_scrub: a table that is empty except while DELETE /api/data runs.
-- D1 refuses PRAGMA secure_delete and VACUUM, so deleted rows would stay readable in the pages they
-- occupied (and in the write-ahead log) until something else is written there. After an erase the
-- worker fills this table with zeros, as much as the database held and more, and empties it again:
-- the freed pages and the log are written over (worker/privacy/scrub.ts).
-- Additive only: nothing reads it.

CREATE TABLE erase_scrub (
  filler BLOB NOT NULL
);
