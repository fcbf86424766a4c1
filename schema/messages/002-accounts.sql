-- Accounts (SPEC §6): the account a message is for, and the host of the room it is
-- about (who may read it), from the reservation event that caused it.
ALTER TABLE message ADD COLUMN account_id INTEGER;
ALTER TABLE message ADD COLUMN host_id INTEGER;
CREATE INDEX message_account ON message(account_id, id);
