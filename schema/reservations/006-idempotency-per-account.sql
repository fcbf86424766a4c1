-- An Idempotency-Key is remembered per account from now on: stored as
-- "<account id>:<key>" (lib/idempotency.c, key_scope), both in idempotency and in
-- reservation.idempotency_key. Before, two accounts sending the same key shared it: the
-- second was replayed the first one's booking.
-- Keys that created a booking keep working for the account that made it (a retry across
-- the upgrade still replays, never books twice). Keys without a booking (answers such as
-- 422, claims of requests in flight) are forgotten: a retry is validated again.
CREATE TEMP TABLE scoped_key AS
  SELECT coalesce(r.account_id, 0) || ':' || i.key AS key, i.fingerprint, i.state, i.status, i.body,
         i.location, i.created_at
    FROM idempotency i JOIN reservation r ON r.idempotency_key = i.key;
CREATE TEMP TABLE rekeyed AS
  SELECT id, coalesce(account_id, 0) || ':' || idempotency_key AS key
    FROM reservation WHERE idempotency_key IS NOT NULL;
DELETE FROM idempotency;
INSERT INTO idempotency(key, fingerprint, state, status, body, location, created_at)
  SELECT key, fingerprint, state, status, body, location, created_at FROM scoped_key;
-- through NULL first: an old key may look like a new one ("1:abc"), and the index is unique
UPDATE reservation SET idempotency_key = NULL WHERE id IN (SELECT id FROM rekeyed);
UPDATE reservation SET idempotency_key = (SELECT key FROM rekeyed WHERE rekeyed.id = reservation.id)
 WHERE id IN (SELECT id FROM rekeyed);
DROP TABLE scoped_key;
DROP TABLE rekeyed;
