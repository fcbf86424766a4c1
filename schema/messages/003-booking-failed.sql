-- A booking the customer was told had failed (the reservations process died while
-- charging, and no Idempotency-Key let a retry learn otherwise) is undone, and the
-- customer is told so: message kind 'booking_failed'. SQLite cannot change a CHECK, so
-- the table is rebuilt with the same rows.
CREATE TABLE message_new (
  id             INTEGER PRIMARY KEY,
  reservation_id INTEGER NOT NULL,
  customer       TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('confirmation', 'cancellation', 'force_cancellation',
                                               'booking_failed')),
  text           TEXT NOT NULL,
  event_id       TEXT NOT NULL UNIQUE,
  created_at     TEXT NOT NULL,
  account_id     INTEGER,
  host_id        INTEGER
);
INSERT INTO message_new(id, reservation_id, customer, kind, text, event_id, created_at, account_id, host_id)
  SELECT id, reservation_id, customer, kind, text, event_id, created_at, account_id, host_id FROM message;
DROP TABLE message;
ALTER TABLE message_new RENAME TO message;
CREATE INDEX message_customer ON message(customer, id);
CREATE INDEX message_reservation ON message(reservation_id, id);
CREATE INDEX message_account ON message(account_id, id);
