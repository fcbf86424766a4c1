-- Rooms, capacity per date, holds per reservation, reviews.

CREATE TABLE room (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL DEFAULT '',
  "desc"      TEXT NOT NULL DEFAULT '',
  capacity    INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
  price       INTEGER NOT NULL CHECK (price >= 0),
  review_cnt  INTEGER NOT NULL DEFAULT 0,
  rated_cnt   INTEGER NOT NULL DEFAULT 0, -- reviews that carry a rating
  rating_sum  INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  deleted_at  TEXT
);

-- One row per (room, date) once anything is held on it. held <= capacity always.
CREATE TABLE capacity (
  room_id  INTEGER NOT NULL REFERENCES room(id),
  date     TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  held     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, date),
  CHECK (held >= 0 AND held <= capacity)
) WITHOUT ROWID;

-- One hold per reservation: makes hold and release idempotent. A released hold stays
-- as a tombstone so a late hold request for the same reservation is refused.
CREATE TABLE hold (
  reservation_id INTEGER PRIMARY KEY,
  room_id        INTEGER NOT NULL, -- 0 on a tombstone
  check_in       TEXT NOT NULL,
  nights         INTEGER NOT NULL,
  guests         INTEGER NOT NULL,
  amount         INTEGER NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('held', 'released')),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX hold_room ON hold(room_id);

CREATE TABLE review (
  id         INTEGER PRIMARY KEY,
  room_id    INTEGER NOT NULL REFERENCES room(id),
  rating     INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
  content    TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX review_room ON review(room_id, id);
