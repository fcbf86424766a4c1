-- A forgotten password: a link e-mailed to the account's address lets its holder choose
-- a new one, once, within RESET_TTL_S. Only a hash of the link's secret is kept here.
CREATE TABLE password_reset (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES account(id),
  hash        TEXT NOT NULL UNIQUE,          -- SHA-256 of the secret, hex
  created_s   INTEGER NOT NULL,
  expires_s   INTEGER NOT NULL,
  used_s      INTEGER                        -- used, or made void by a later change
);
CREATE INDEX password_reset_account ON password_reset(account_id, created_s);

-- The e-mail that carries a link, until the SMTP server took it: the only copy of the
-- secret, deleted once sent or given up on (accounts_mail.c).
CREATE TABLE reset_email (
  reset_id        INTEGER PRIMARY KEY REFERENCES password_reset(id),
  secret          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  lease_until_ms  INTEGER NOT NULL DEFAULT 0
);
