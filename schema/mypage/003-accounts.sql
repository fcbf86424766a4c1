-- Accounts (SPEC §6): the projection is keyed by account, no longer by the customer
-- name typed on a form; rooms carry their host for /roomviews.
ALTER TABLE view_reservation ADD COLUMN account_id INTEGER;
CREATE INDEX view_reservation_account ON view_reservation(account_id, reservation_id);
DROP INDEX view_reservation_customer;
ALTER TABLE view_message ADD COLUMN account_id INTEGER;
CREATE INDEX view_message_account ON view_message(account_id, message_id);
DROP INDEX view_message_customer;
ALTER TABLE view_room ADD COLUMN host_id INTEGER;
CREATE INDEX view_room_host ON view_room(host_id, room_id);
