-- Tickets a person can read and print: new codes are 12 symbols of an alphabet without
-- look-alikes in three groups ("7K3Q-9F2M-XW4T", lib/shortcode.c) instead of 32 hex
-- digits; codes already issued stay as they are (a guest may have them on paper). The
-- stay a ticket admits to, as ReservationConfirmed told it, so that the ticket page
-- shows it without asking reservations; NULL on tickets issued before this migration.
ALTER TABLE ticket ADD COLUMN reference TEXT;
ALTER TABLE ticket ADD COLUMN room_id INTEGER;
ALTER TABLE ticket ADD COLUMN room_name TEXT;
ALTER TABLE ticket ADD COLUMN check_in TEXT;
ALTER TABLE ticket ADD COLUMN check_out TEXT;
ALTER TABLE ticket ADD COLUMN nights INTEGER;
ALTER TABLE ticket ADD COLUMN guests INTEGER;
ALTER TABLE ticket ADD COLUMN customer TEXT;
