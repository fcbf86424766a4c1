-- migrate: skip columns that exist
-- 002-payment-ticket-state.sql grew after it first shipped (room_name, then
-- idempotency_key, then deleted_room, all on 2026-11-22). A database migrated from an
-- earlier 002 never got them; this adds what is missing and is a no-op elsewhere.
-- The marker line above makes lib/db.c skip an ADD COLUMN whose column exists.
ALTER TABLE reservation ADD COLUMN room_name TEXT;
ALTER TABLE reservation ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS reservation_idempotency_key ON reservation(idempotency_key);
CREATE TABLE IF NOT EXISTS deleted_room (
  room_id    INTEGER PRIMARY KEY,
  deleted_at TEXT NOT NULL
);
