-- 0003_memory_vectors: each engram's embedding, stored compactly for scanning inside the worker, and
-- a change log that lets every worker instance keep its in-memory copy of the vectors current by
-- reading only what changed.
-- Additive only: new tables beside 0001's. The triggers keep them in step with whatever writes
-- engrams (the worker this migration runs before included), so nothing written meanwhile is missed.

-- One row per engram, created by a trigger when the engram is inserted. `model` is '' until the
-- text is embedded (and again when the text changes); recall reads only rows of the active model.
CREATE TABLE engram_vectors (
  engram_rowid INTEGER PRIMARY KEY,   -- engrams.rowid, the key engrams_fts uses as well
  engram_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',     -- the embedding model, e.g. '@cf/baai/bge-base-en-v1.5', 'sos-hash-v1'
  dims INTEGER,
  bits BLOB,                          -- sign bits: dims rounded up to 32-bit words, little-endian
  q8 BLOB,                            -- the unit vector as int8: component i is about q8[i] * scale
  scale REAL,
  importance REAL,                    -- copies of engrams.importance and updated_at (recall's weights),
  updated_at DATETIME,                --   kept by the triggers below so a scan never joins engrams
  embedded_at DATETIME
);

-- An agent's vectors of one model (the cold load); all vectors of a model, stale ones by range.
CREATE INDEX idx_engram_vectors_agent_model ON engram_vectors(agent, model);
CREATE INDEX idx_engram_vectors_model ON engram_vectors(model);

-- Every change to engram_vectors, in order. A worker holding an agent's vectors in memory asks
-- for the changes after the last one it applied: none, usually (one indexed read).
-- AUTOINCREMENT: a seq is never reused, even after every row was deleted.
CREATE TABLE memory_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  agent TEXT NOT NULL,
  engram_rowid INTEGER NOT NULL
);

CREATE INDEX idx_memory_changes_agent ON memory_changes(agent, seq);

-- Changes up to `seq` were deleted (pruned, or erased with the data): a copy older than this
-- cannot be brought up to date from the log and is reloaded.
CREATE TABLE memory_change_floor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);

INSERT INTO memory_change_floor (id, seq) VALUES (1, 0);

-- The full-text index's vocabulary (no storage of its own): how many engrams hold each word, so a
-- search can leave out words too common to rank cheaply.
CREATE VIRTUAL TABLE engrams_fts_vocab USING fts5vocab(engrams_fts, 'row');

-- Engrams stored before this migration: waiting to be embedded.
INSERT INTO engram_vectors (engram_rowid, engram_id, agent, importance, updated_at)
SELECT rowid, id, agent, importance, updated_at FROM engrams;

CREATE TRIGGER engram_vectors_after_engram_insert AFTER INSERT ON engrams BEGIN
  INSERT OR REPLACE INTO engram_vectors (engram_rowid, engram_id, agent, importance, updated_at)
  VALUES (new.rowid, new.id, new.agent, new.importance, new.updated_at);
END;

CREATE TRIGGER engram_vectors_after_engram_delete AFTER DELETE ON engrams BEGIN
  DELETE FROM engram_vectors WHERE engram_rowid = old.rowid;
END;

-- A changed text makes the vector stale: it waits to be embedded again.
CREATE TRIGGER engram_vectors_after_engram_text AFTER UPDATE OF text ON engrams
WHEN new.text IS NOT old.text BEGIN
  UPDATE engram_vectors SET model = '', dims = NULL, bits = NULL, q8 = NULL, scale = NULL, embedded_at = NULL
  WHERE engram_rowid = new.rowid;
END;

CREATE TRIGGER engram_vectors_after_engram_weights AFTER UPDATE OF importance, updated_at, agent ON engrams
WHEN new.importance IS NOT old.importance OR new.updated_at IS NOT old.updated_at OR new.agent IS NOT old.agent BEGIN
  UPDATE engram_vectors SET importance = new.importance, updated_at = new.updated_at, agent = new.agent
  WHERE engram_rowid = new.rowid;
END;

CREATE TRIGGER memory_changes_after_vector_insert AFTER INSERT ON engram_vectors BEGIN
  INSERT INTO memory_changes (agent, engram_rowid) VALUES (new.agent, new.engram_rowid);
END;

CREATE TRIGGER memory_changes_after_vector_update AFTER UPDATE ON engram_vectors BEGIN
  INSERT INTO memory_changes (agent, engram_rowid) VALUES (new.agent, new.engram_rowid);
  INSERT INTO memory_changes (agent, engram_rowid) SELECT old.agent, old.engram_rowid WHERE old.agent IS NOT new.agent;
END;

CREATE TRIGGER memory_changes_after_vector_delete AFTER DELETE ON engram_vectors BEGIN
  INSERT INTO memory_changes (agent, engram_rowid) VALUES (old.agent, old.engram_rowid);
END;
