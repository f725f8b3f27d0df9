-- 0005_conversations: conversations and their messages, kept until the user deletes them (or
-- CONVERSATION_RETENTION_DAYS passes, when set). The KV session stays the 24 h hot cache of recent
-- turns for the prompt; this is the record the app lists, searches and reopens.
-- Messages form a tree: each has the message it follows (`parent_id`), so a regenerated answer or an
-- edited question is a new version beside the one it replaces, and the earlier one stays reachable.
-- The conversation shows one path through the tree, from its first message to `leaf_id`.
-- Additive only: new tables beside the others, so the running worker is unaffected until replaced.

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,                       -- the session id (the KV session of the same name is its cache)
  agent TEXT NOT NULL,
  title TEXT NOT NULL,
  title_source TEXT NOT NULL DEFAULT 'message',  -- 'message' (its first message), 'model' or 'user'
  pinned INTEGER NOT NULL DEFAULT 0,
  remember INTEGER NOT NULL DEFAULT 1,       -- 0: no memory is made of it ("don't remember this chat")
  temporary INTEGER NOT NULL DEFAULT 0,      -- 1: never listed, no memory read or written, dropped with its session
  provider TEXT,                             -- the model picked for it; NULL: the worker's default
  model TEXT,
  leaf_id TEXT,                              -- the last message of the path shown
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The list: pinned first, then the most recent, paged by (pinned, updated_at, id).
CREATE INDEX idx_conversations_list ON conversations(agent, temporary, pinned DESC, updated_at DESC, id DESC);
-- Retention and the expiry of temporary chats read by age.
CREATE INDEX idx_conversations_updated ON conversations(updated_at);

CREATE TABLE conversation_messages (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  parent_id TEXT,                            -- the message it follows; NULL for a first message
  role TEXT NOT NULL,                        -- 'user' or 'assistant'
  content TEXT NOT NULL,
  -- 'complete'; 'streaming' while the answer is written; 'interrupted' (the model's stream failed or
  -- ended without its finish signal: the content is partial), 'stopped' (the person stopped it) or
  -- 'failed' (no answer came)
  status TEXT NOT NULL DEFAULT 'complete',
  error_code TEXT,
  error_message TEXT,
  finish_reason TEXT,                        -- the model's: 'stop', 'length', ...
  provider TEXT,
  model TEXT,
  input_tokens INTEGER,
  output_tokens INTEGER,
  engram_id TEXT,                            -- the memory made of the exchange this answer closes
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_conversation_messages_conversation ON conversation_messages(conversation_id, created_at);
CREATE INDEX idx_conversation_messages_parent ON conversation_messages(parent_id);

-- Full-text search over titles and messages (the conversation list's search), kept by triggers.
CREATE VIRTUAL TABLE conversations_fts USING fts5(
  title,
  content = 'conversations',
  content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER conversations_fts_after_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO conversations_fts (rowid, title) VALUES (new.rowid, new.title);
END;

CREATE TRIGGER conversations_fts_after_delete AFTER DELETE ON conversations BEGIN
  INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
END;

CREATE TRIGGER conversations_fts_after_update AFTER UPDATE OF title ON conversations BEGIN
  INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
  INSERT INTO conversations_fts (rowid, title) VALUES (new.rowid, new.title);
END;

CREATE VIRTUAL TABLE conversation_messages_fts USING fts5(
  content,
  content = 'conversation_messages',
  content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER conversation_messages_fts_after_insert AFTER INSERT ON conversation_messages BEGIN
  INSERT INTO conversation_messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TRIGGER conversation_messages_fts_after_delete AFTER DELETE ON conversation_messages BEGIN
  INSERT INTO conversation_messages_fts (conversation_messages_fts, rowid, content)
  VALUES ('delete', old.rowid, old.content);
END;

CREATE TRIGGER conversation_messages_fts_after_update AFTER UPDATE OF content ON conversation_messages BEGIN
  INSERT INTO conversation_messages_fts (conversation_messages_fts, rowid, content)
  VALUES ('delete', old.rowid, old.content);
  INSERT INTO conversation_messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;
