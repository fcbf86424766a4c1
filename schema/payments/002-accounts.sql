-- Accounts (SPEC §6): who booked the reservation a payment is for, and the host of its
-- room (who may see the payment, without the card's digits).
ALTER TABLE payment ADD COLUMN account_id INTEGER;
ALTER TABLE payment ADD COLUMN host_id INTEGER;
CREATE INDEX payment_account ON payment(account_id, id);
