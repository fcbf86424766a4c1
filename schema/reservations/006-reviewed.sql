-- The review a guest wrote about this stay (rooms' ReviewCreated carries the
-- reservation it was written for; ReviewDeleted clears it), so that the reservation's
-- page stops offering a review form once the stay has one. Stays reviewed before this
-- column existed are not known here: their page still offers the form, and rooms
-- answers a second review with 403 as before.
ALTER TABLE reservation ADD COLUMN review_id INTEGER;
