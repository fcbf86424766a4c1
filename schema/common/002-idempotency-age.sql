-- Idempotency keys expire (IDEMPOTENCY_TTL_S, at least 24 h): find old ones fast.
CREATE INDEX idempotency_created ON idempotency(created_at);
