CREATE TABLE message (
  id             INTEGER PRIMARY KEY,
  reservation_id INTEGER NOT NULL,
  customer       TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('confirmation', 'cancellation', 'force_cancellation')),
  text           TEXT NOT NULL,
  event_id       TEXT NOT NULL UNIQUE,   -- exactly one message per event
  created_at     TEXT NOT NULL
);
CREATE INDEX message_customer ON message(customer, id);
CREATE INDEX message_reservation ON message(reservation_id, id);
