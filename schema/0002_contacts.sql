-- 0002_contacts: the public contact inbox (POST /api/contact) and its per-caller rate limit.
-- Additive only: new tables beside 0001's, so the running worker is unaffected until replaced.

-- Messages from other agents (Yellow Pages callbacks), read and deleted by the owner.
CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  from_agent TEXT NOT NULL,
  from_name TEXT,
  reply_to TEXT,                  -- where the sender wants an answer (URL), as given
  subject TEXT,
  message TEXT NOT NULL,
  received_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Newest-first listing with a (received_at, id) cursor reads only the page it returns.
CREATE INDEX idx_contacts_received ON contacts(received_at DESC, id DESC);

-- Fixed-window counters: one row per caller (a SHA-256 of the caller's IP, never the IP itself)
-- and window. D1 applies the upsert atomically, which KV's eventually consistent writes cannot.
CREATE TABLE contact_rate_limits (
  caller TEXT NOT NULL,
  window_start INTEGER NOT NULL,  -- unix seconds, a multiple of the window length
  count INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (caller, window_start)
);

-- Expired windows are deleted by window_start.
CREATE INDEX idx_contact_rate_limits_window ON contact_rate_limits(window_start);
