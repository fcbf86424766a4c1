-- The booking's reference (RB-...), which the confirmation asks the guest to quote: My
-- bookings shows it on each card. Taken from the Reservation* events, which carry the
-- reservation as it is; rows projected before this column stay NULL until their next
-- event (the card then shows none).
ALTER TABLE view_reservation ADD COLUMN reference TEXT;
