-- The review written for a stay (ReviewCreated with its reservationId; NULL again after
-- ReviewDeleted), for My bookings to offer "Review this stay" or link the review.
-- review_known: 0 on the rows projected before this migration, whose reviews were never
-- projected here: they offer no "Review this stay" (their page says whether they were
-- reviewed) until a review event of theirs arrives.
ALTER TABLE view_reservation ADD COLUMN review_id INTEGER;
ALTER TABLE view_reservation ADD COLUMN review_known INTEGER NOT NULL DEFAULT 1;
UPDATE view_reservation SET review_known = 0;
