-- An Idempotency-Key is remembered per account from now on: stored as
-- "<account id>:<key>" (lib/idempotency.c, key_scope). Before, two accounts sending the
-- same key shared it: the second was replayed the first one's room.
-- A key that created a room keeps working for its host (the answer names hostId): a
-- retry across the upgrade still replays, never creates a second room. Other keys
-- (answers such as 422, claims of requests in flight) are forgotten: a retry is
-- validated again.
CREATE TEMP TABLE scoped_key AS
  SELECT CAST(json_extract(body, '$.hostId') AS INTEGER) || ':' || key AS key, fingerprint, state, status,
         body, location, created_at
    FROM idempotency
   WHERE state = 'done' AND status = 201 AND json_valid(body) AND json_extract(body, '$.hostId') > 0;
DELETE FROM idempotency;
INSERT INTO idempotency(key, fingerprint, state, status, body, location, created_at)
  SELECT key, fingerprint, state, status, body, location, created_at FROM scoped_key;
DROP TABLE scoped_key;
