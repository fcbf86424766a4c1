-- Why a reservation ended as it did (reason of the Reservation* event: sold_out,
-- payment_declined, unavailable, interrupted, customer, room_deleted), for My bookings
-- to say it in words. Rows projected before this column stay NULL.
ALTER TABLE view_reservation ADD COLUMN reason TEXT;
