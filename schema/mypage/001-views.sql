-- The read model, built only from events. Rows are upserted field group by field
-- group, because events of different sources may arrive in any order.

CREATE TABLE view_reservation (
  reservation_id INTEGER PRIMARY KEY,
  room_id        INTEGER,
  customer       TEXT,
  check_in       TEXT,
  check_out      TEXT,
  guests         INTEGER,
  amount         INTEGER,
  status         TEXT,
  payment_status TEXT,
  ticket_code    TEXT,
  ticket_status  TEXT,
  updated_at     TEXT NOT NULL
);
CREATE INDEX view_reservation_customer ON view_reservation(customer, reservation_id);

CREATE TABLE view_room (
  room_id                 INTEGER PRIMARY KEY,
  name                    TEXT,
  "desc"                  TEXT,
  status                  TEXT,
  review_cnt              INTEGER NOT NULL DEFAULT 0,
  rating                  REAL,
  reservations            INTEGER NOT NULL DEFAULT 0,
  last_reservation_id     INTEGER,
  last_reservation_status TEXT,
  updated_at              TEXT NOT NULL
);
