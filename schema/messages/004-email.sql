-- E-mail (issue 8): every message is also delivered by SMTP to its account's address,
-- by the messages service's background thread, never inside a request or an event
-- handler. One row per message, written with the message in the event's transaction:
-- what the e-mail needs that the message row does not keep, and how delivery went.
--   pending   not tried yet, or its first attempt is under way
--   retrying  an attempt failed; the next is due at next_attempt_ms (exponential backoff)
--   sent      the SMTP server accepted it at sent_at; never sent again
--   failed    refused for good, or MAIL_MAX_ATTEMPTS attempts failed
--   off       not sent: e-mail was off (SMTP_URL unset), or the message is older than e-mail
-- A sender leases a row (lease_until_ms, lease_owner) for one attempt, so that the
-- processes of the service never send one message at the same time.
CREATE TABLE email (
  message_id      INTEGER PRIMARY KEY,          -- message.id
  status          TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'sent', 'failed', 'off')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,   -- unix ms; due when not later than now
  last_error      TEXT,
  sent_at         TEXT,                         -- RFC 3339 UTC
  lease_until_ms  INTEGER NOT NULL DEFAULT 0,   -- unix ms
  lease_owner     TEXT,
  stay            TEXT NOT NULL DEFAULT '{}',   -- JSON from the event: roomName, checkIn, checkOut, guests, amount...
  updated_at      TEXT NOT NULL
);
CREATE INDEX email_due ON email(status, next_attempt_ms);
-- Messages stored before e-mail existed are not e-mailed now, long after the fact.
INSERT INTO email(message_id, status, last_error, updated_at)
  SELECT id, 'off', 'stored before e-mail delivery existed', strftime('%Y-%m-%dT%H:%M:%fZ','now') FROM message;
