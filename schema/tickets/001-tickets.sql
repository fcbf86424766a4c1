CREATE TABLE ticket (
  id             INTEGER PRIMARY KEY,
  reservation_id INTEGER NOT NULL UNIQUE,
  code           TEXT NOT NULL UNIQUE,   -- 128 random bits, hex
  status         TEXT NOT NULL CHECK (status IN ('issued', 'voided')),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
