-- Accounts (SPEC §6): who booked the ticket's reservation, and the host of its room (who
-- may see the ticket without its code), from the ReservationConfirmed event.
ALTER TABLE ticket ADD COLUMN account_id INTEGER;
ALTER TABLE ticket ADD COLUMN host_id INTEGER;
CREATE INDEX ticket_account ON ticket(account_id, id);
