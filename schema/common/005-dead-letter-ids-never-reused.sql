-- A dead letter's id is never used again. `worker discard CONSUMER:ID` deletes a parked
-- letter; without AUTOINCREMENT the next letter to park took the id of the newest one if
-- that was the one discarded, and the same command run again (shell history) discarded
-- it. SQLite adds AUTOINCREMENT only by building the table again; this one has no index.
CREATE TABLE dead_letter_v5 (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO dead_letter_v5(id, source, position, event_id, type, event, error, attempts, created_at, state,
                           replayed_at)
  SELECT id, source, position, event_id, type, event, error, attempts, created_at, state, replayed_at
  FROM dead_letter;
DROP TABLE dead_letter;
ALTER TABLE dead_letter_v5 RENAME TO dead_letter;
