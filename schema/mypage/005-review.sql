-- The review written for a stay (ReviewCreated with its reservationId; NULL again after
-- ReviewDeleted), for My bookings to offer "Review this stay" or link the review. Rows
-- projected before this column stay NULL: their page says whether they were reviewed.
ALTER TABLE view_reservation ADD COLUMN review_id INTEGER;
