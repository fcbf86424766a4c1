-- Receipts (GET /payments/{id}/receipt, /payments/{id}/refund-receipt) say what was
-- bought: reservations sends the stay with the charge. NULL on payments made before.
ALTER TABLE payment ADD COLUMN reference TEXT;   -- the booking reference, RB-7K3Q9F
ALTER TABLE payment ADD COLUMN room_name TEXT;
ALTER TABLE payment ADD COLUMN check_in TEXT;
ALTER TABLE payment ADD COLUMN check_out TEXT;
ALTER TABLE payment ADD COLUMN nights INTEGER;
ALTER TABLE payment ADD COLUMN guests INTEGER;
-- When the refund was made (the refund receipt's date). Refunds made before this
-- migration: their last update was the refund.
ALTER TABLE payment ADD COLUMN refunded_at TEXT;
UPDATE payment SET refunded_at = updated_at WHERE status = 'refunded';
