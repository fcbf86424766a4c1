-- Accounts (SPEC §6): a room's host, the account a hold was taken for (a stay: whoever
-- booked it may review the room once it is over), and a review's author and stay.
ALTER TABLE room ADD COLUMN host_id INTEGER;
CREATE INDEX room_host ON room(host_id, id);
ALTER TABLE hold ADD COLUMN account_id INTEGER;
CREATE INDEX hold_account ON hold(account_id, room_id);
ALTER TABLE review ADD COLUMN author_id INTEGER;
ALTER TABLE review ADD COLUMN reservation_id INTEGER;
CREATE UNIQUE INDEX review_reservation ON review(reservation_id) WHERE reservation_id IS NOT NULL;
