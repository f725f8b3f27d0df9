-- 0001_init: long-term memory (engrams), the agent's state vector, and full-text search.
-- The engrams and agent_state columns are the SOS seed's own; what follows them is added beside.
-- Applied by the stack's D1 migration resource, by `npm start` locally, or by
-- `wrangler d1 migrations apply`; all three record it in wrangler's d1_migrations table.

CREATE TABLE engrams (
  id TEXT PRIMARY KEY,
  agent TEXT NOT NULL,
  context_id TEXT,
  text TEXT NOT NULL,
  embedding BLOB,
  epistemic_truths TEXT,          -- JSON array of strings
  core_concepts TEXT,             -- JSON array of strings
  affective_vibe TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  accessed_at DATETIME,
  importance REAL DEFAULT 0.5,
  -- beside the seed: when the text or its enrichment last changed, and how often it was stored
  -- again (near-duplicates merge into one engram instead of piling up)
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  ref_count INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE agent_state (
  agent TEXT PRIMARY KEY,
  uv_16d TEXT,                    -- JSON: {"inner": {...8 dims}, "outer": {...8 dims}}
  coherence REAL,
  last_sync DATETIME
);

CREATE INDEX idx_agent ON engrams(agent);
CREATE INDEX idx_context ON engrams(context_id);
-- Newest-first listing with a (created_at, id) cursor reads only the page it returns.
CREATE INDEX idx_engrams_agent_created ON engrams(agent, created_at DESC, id DESC);

-- Full text over the engram's words and its extracted concepts and truths. External content:
-- the text is stored once (in engrams) and the index follows engrams' rowid through the triggers
-- below. If the two ever drift, `INSERT INTO engrams_fts(engrams_fts) VALUES ('rebuild');` repairs it.
CREATE VIRTUAL TABLE engrams_fts USING fts5(
  text,
  core_concepts,
  epistemic_truths,
  content = 'engrams',
  content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER engrams_fts_after_insert AFTER INSERT ON engrams BEGIN
  INSERT INTO engrams_fts (rowid, text, core_concepts, epistemic_truths)
  VALUES (new.rowid, new.text, new.core_concepts, new.epistemic_truths);
END;

CREATE TRIGGER engrams_fts_after_delete AFTER DELETE ON engrams BEGIN
  INSERT INTO engrams_fts (engrams_fts, rowid, text, core_concepts, epistemic_truths)
  VALUES ('delete', old.rowid, old.text, old.core_concepts, old.epistemic_truths);
END;

CREATE TRIGGER engrams_fts_after_update AFTER UPDATE OF text, core_concepts, epistemic_truths ON engrams BEGIN
  INSERT INTO engrams_fts (engrams_fts, rowid, text, core_concepts, epistemic_truths)
  VALUES ('delete', old.rowid, old.text, old.core_concepts, old.epistemic_truths);
  INSERT INTO engrams_fts (rowid, text, core_concepts, epistemic_truths)
  VALUES (new.rowid, new.text, new.core_concepts, new.epistemic_truths);
END;
