-- Reservations and the state of the booking saga.

CREATE TABLE reservation (
  id          INTEGER PRIMARY KEY,
  room_id     INTEGER NOT NULL,
  check_in    TEXT NOT NULL,
  check_out   TEXT NOT NULL,
  nights      INTEGER NOT NULL CHECK (nights BETWEEN 1 AND 30),
  guests      INTEGER NOT NULL CHECK (guests >= 1),
  customer    TEXT NOT NULL,
  amount      INTEGER,               -- known once capacity is held
  currency    TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('requested', 'confirmed', 'rejected', 'failed',
                                              'cancelled', 'force_cancelled')),
  reason      TEXT,
  payment_id  INTEGER,
  request_id  TEXT,                  -- correlation id of the booking request
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX reservation_customer ON reservation(customer, id);
CREATE INDEX reservation_room ON reservation(room_id, status);
CREATE INDEX reservation_status ON reservation(status, updated_at);
