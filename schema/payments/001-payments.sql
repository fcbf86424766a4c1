-- Payments (one per reservation) and refunds.

CREATE TABLE payment (
  id             INTEGER PRIMARY KEY,
  reservation_id INTEGER NOT NULL UNIQUE,
  amount         INTEGER NOT NULL CHECK (amount >= 0),
  currency       TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('approved', 'declined', 'refunded')),
  card_last4     TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);

-- Reservations that failed or were cancelled before any charge reached us: a late
-- charge for one of them is refused, so nothing stays charged.
CREATE TABLE closed_reservation (
  reservation_id INTEGER PRIMARY KEY,
  closed_at      TEXT NOT NULL
);
