-- A review's id is never used again. Without AUTOINCREMENT SQLite gives a new review the
-- id of the newest one if that was deleted, so a client sending its DELETE /reviews/{id}
-- again (a DELETE is idempotent: after a lost answer that is the right thing to do)
-- deleted the review that had taken the id, and /reviews/{id} links changed meaning.
-- SQLite adds AUTOINCREMENT only by building the table again.
CREATE TABLE review_v3 (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id        INTEGER NOT NULL REFERENCES room(id),
  rating         INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
  content        TEXT NOT NULL DEFAULT '',
  created_at     TEXT NOT NULL,
  author_id      INTEGER,
  reservation_id INTEGER
);
INSERT INTO review_v3(id, room_id, rating, content, created_at, author_id, reservation_id)
  SELECT id, room_id, rating, content, created_at, author_id, reservation_id FROM review;
DROP TABLE review;
ALTER TABLE review_v3 RENAME TO review;
CREATE INDEX review_room ON review(room_id, id);
CREATE UNIQUE INDEX review_reservation ON review(reservation_id) WHERE reservation_id IS NOT NULL;
-- New ids start above every id a review had: those still there and those the outbox
-- still names (a deleted review's events; the outbox is pruned, so older ones are gone).
INSERT INTO sqlite_sequence(name, seq)
  SELECT 'review', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'review');
UPDATE sqlite_sequence SET seq = max(seq,
    (SELECT coalesce(max(id), 0) FROM review),
    (SELECT coalesce(max(json_extract(data, '$.reviewId')), 0) FROM outbox
      WHERE type IN ('ReviewCreated', 'ReviewDeleted') AND json_valid(data)))
  WHERE name = 'review';
