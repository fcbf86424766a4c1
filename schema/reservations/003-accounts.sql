-- Accounts (SPEC §6): who booked a reservation, and the host of its room (who may see
-- it, without the ticket code).
ALTER TABLE reservation ADD COLUMN account_id INTEGER;
ALTER TABLE reservation ADD COLUMN host_id INTEGER;
CREATE INDEX reservation_account ON reservation(account_id, id);
CREATE INDEX reservation_host ON reservation(host_id, id);
