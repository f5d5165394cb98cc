-- Calls: one wrapped data key each (NULL once crypto-shredded) and the head of the call's hash chain.
CREATE TABLE calls (
  call_id TEXT PRIMARY KEY,
  key_id TEXT,
  wrapped_key BYTEA,
  caller_hash TEXT,
  first_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  head_seq BIGINT NOT NULL DEFAULT -1,
  head_hash BYTEA NOT NULL,
  shredded_at TEXT,
  shred_reason TEXT
);
CREATE INDEX calls_caller_hash ON calls (caller_hash);
CREATE INDEX calls_first_at ON calls (first_at);
-- Events: ids, kinds, times and non-PHI payload fields in clear; PHI fields only as ciphertext in `phi`.
CREATE TABLE events (
  message_id TEXT PRIMARY KEY,
  call_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  payload TEXT NOT NULL,
  phi BYTEA,
  record_hash BYTEA
);
CREATE UNIQUE INDEX events_call_seq ON events (call_id, seq);
CREATE INDEX events_occurred_at ON events (occurred_at);
-- The chain of call heads: every advance of a call's head, itself hash-chained.
CREATE TABLE head_log (
  id BIGSERIAL PRIMARY KEY,
  call_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  record_hash BYTEA NOT NULL,
  entry_hash BYTEA NOT NULL,
  logged_at TEXT NOT NULL
);
-- Who read or erased health data, when and why.
CREATE TABLE access_log (
  id BIGSERIAL PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  call_id TEXT,
  detail TEXT
);
