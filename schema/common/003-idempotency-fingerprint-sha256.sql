-- Fingerprints used to be a 64-bit FNV-1a of the whole body, card number included:
-- small enough to brute-force the card back. They are now a SHA-256 with the card
-- masked to its last four digits. Old ones are scrubbed, in place and from the freed
-- space of the page: 'legacy' never equals a new fingerprint, so a retry with an old
-- key is refused (422) rather than booked twice, until the key expires.
PRAGMA secure_delete = ON;
UPDATE idempotency SET fingerprint = 'legacy' WHERE length(fingerprint) <> 64;
PRAGMA secure_delete = OFF;
