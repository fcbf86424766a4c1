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

-- E-mails the accounts service sends itself (accounts_mail.c), until the SMTP server
-- took them: a reset link ('reset': the only copy of its secret, deleted once sent or
-- given up on), or the notice that the password was changed ('password_changed').
CREATE TABLE account_email (
  id              INTEGER PRIMARY KEY,
  account_id      INTEGER NOT NULL REFERENCES account(id),
  kind            TEXT NOT NULL CHECK (kind IN ('reset', 'password_changed')),
  reset_id        INTEGER REFERENCES password_reset(id),
  secret          TEXT,
  created_s       INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  lease_until_ms  INTEGER NOT NULL DEFAULT 0,
  CHECK ((kind = 'reset') = (reset_id IS NOT NULL AND secret IS NOT NULL))
);
CREATE INDEX account_email_due ON account_email(next_attempt_ms);
