-- Tables every service database has: the outbox it writes events to, the
-- consumer bookkeeping the worker keeps beside each consumer's own data, and
-- Idempotency-Key records.

CREATE TABLE outbox (
  id             INTEGER PRIMARY KEY AUTOINCREMENT, -- position read by consumers
  event_id       TEXT NOT NULL UNIQUE,
  type           TEXT NOT NULL,
  aggregate_type TEXT NOT NULL,
  aggregate_id   INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  occurred_at    TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id   TEXT,
  data           TEXT NOT NULL
);

CREATE TABLE aggregate_seq (
  aggregate_type TEXT NOT NULL,
  aggregate_id   INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id)
) WITHOUT ROWID;

-- How far this database (as a consumer) has applied each source's outbox. Moved
-- forward in the same transaction as the effect: an effect happens once.
CREATE TABLE consumer_offset (
  source   TEXT PRIMARY KEY,
  position INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The event at the head of a source that is failing, with its backoff.
CREATE TABLE consumer_retry (
  source     TEXT PRIMARY KEY,
  position   INTEGER NOT NULL,
  attempts   INTEGER NOT NULL,
  next_at_ms INTEGER NOT NULL,
  last_error TEXT
) WITHOUT ROWID;

-- Events given up on after the retry limit; an operator lists and replays them.
CREATE TABLE dead_letter (
  id          INTEGER PRIMARY KEY,
  source      TEXT NOT NULL,
  position    INTEGER NOT NULL,
  event_id    TEXT NOT NULL,
  type        TEXT NOT NULL,
  event       TEXT NOT NULL,  -- the whole event document
  error       TEXT,
  attempts    INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'parked' CHECK (state IN ('parked', 'replay', 'replayed')),
  replayed_at TEXT
);

-- One worker at a time applies a consumer; the lease says which, until when.
CREATE TABLE consumer_lease (
  name        TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  expires_ms  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE idempotency (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'done')),
  status      INTEGER,
  body        TEXT,
  location    TEXT,
  created_at  TEXT NOT NULL
) WITHOUT ROWID;
