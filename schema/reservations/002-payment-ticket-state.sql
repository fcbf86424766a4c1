-- The reservation page shows payment and ticket state without calling other services:
-- reservations keeps them from PaymentApproved/Refunded and TicketIssued/Voided events.
ALTER TABLE reservation ADD COLUMN payment_status TEXT;
ALTER TABLE reservation ADD COLUMN ticket_code TEXT;
ALTER TABLE reservation ADD COLUMN ticket_status TEXT;
ALTER TABLE reservation ADD COLUMN room_name TEXT;   -- from the hold, for the page
-- The Idempotency-Key that created the booking: a retry after a crash or a 5xx answers
-- with this booking instead of booking again.
ALTER TABLE reservation ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX reservation_idempotency_key ON reservation(idempotency_key);
-- Rooms deleted (from RoomDeleted): a booking still in flight for one of them is not
-- confirmed but force-cancelled, so nothing stays booked on a room that is gone.
CREATE TABLE deleted_room (
  room_id    INTEGER PRIMARY KEY,
  deleted_at TEXT NOT NULL
);
