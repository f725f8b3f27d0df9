-- 0004_memory_stemmed_fts: a second full-text index over the same columns, with FTS5's porter
-- stemmer, so recall finds word forms ("allergies" and "allergy", "painted" and "painting"), and
-- its vocabulary, from which recall reads each query word's document count to pick the words that
-- find candidates by rarity.
-- Additive only: 0001's unicode61 index and its triggers stay as they are (the worker this
-- migration runs before still uses them); the triggers below keep the new index in step with every
-- write to engrams, and `rebuild` indexes the engrams stored before it.

CREATE VIRTUAL TABLE engrams_fts_porter USING fts5(
  text,
  core_concepts,
  epistemic_truths,
  content = 'engrams',
  content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER engrams_fts_porter_after_insert AFTER INSERT ON engrams BEGIN
  INSERT INTO engrams_fts_porter (rowid, text, core_concepts, epistemic_truths)
  VALUES (new.rowid, new.text, new.core_concepts, new.epistemic_truths);
END;

CREATE TRIGGER engrams_fts_porter_after_delete AFTER DELETE ON engrams BEGIN
  INSERT INTO engrams_fts_porter (engrams_fts_porter, rowid, text, core_concepts, epistemic_truths)
  VALUES ('delete', old.rowid, old.text, old.core_concepts, old.epistemic_truths);
END;

CREATE TRIGGER engrams_fts_porter_after_update AFTER UPDATE OF text, core_concepts, epistemic_truths ON engrams BEGIN
  INSERT INTO engrams_fts_porter (engrams_fts_porter, rowid, text, core_concepts, epistemic_truths)
  VALUES ('delete', old.rowid, old.text, old.core_concepts, old.epistemic_truths);
  INSERT INTO engrams_fts_porter (rowid, text, core_concepts, epistemic_truths)
  VALUES (new.rowid, new.text, new.core_concepts, new.epistemic_truths);
END;

INSERT INTO engrams_fts_porter (engrams_fts_porter) VALUES ('rebuild');

-- One row per stemmed word (no storage of its own): how many engrams hold it.
CREATE VIRTUAL TABLE engrams_fts_porter_vocab USING fts5vocab(engrams_fts_porter, 'row');

-- Mirror's POST /store updates the engram already stored under the same agent and context_id.
CREATE INDEX idx_engrams_agent_context ON engrams(agent, context_id);
