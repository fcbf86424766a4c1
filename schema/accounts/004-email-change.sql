-- Changing an account's address: a link e-mailed to the new address confirms it, once,
-- within RESET_TTL_S (accounts.c, "changing the address"). Only a hash of the link's
-- secret is kept here.
CREATE TABLE email_change (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES account(id),
  new_email   TEXT NOT NULL,
  new_key     TEXT NOT NULL,                 -- new_email lower-cased: links sent to one address are counted
  hash        TEXT NOT NULL UNIQUE,          -- SHA-256 of the secret, hex
  created_s   INTEGER NOT NULL,
  expires_s   INTEGER NOT NULL,
  used_s      INTEGER                        -- used, or made void by another change
);
CREATE INDEX email_change_account ON email_change(account_id, created_s);
CREATE INDEX email_change_to ON email_change(new_key, created_s);

-- account_email takes two more kinds: 'email_confirm' (the link, to the new address in
-- to_addr: the only copy of its secret, deleted once sent or given up on) and
-- 'email_changed' (the notice, to the address the account had, in to_addr); a
-- 'password_changed' notice names its address too (the one the account had when its
-- password changed). A CHECK cannot be altered in SQLite: the table is made again with
-- the rows it has.
CREATE TABLE account_email_v2 (
  id              INTEGER PRIMARY KEY,
  account_id      INTEGER NOT NULL REFERENCES account(id),
  kind            TEXT NOT NULL CHECK (kind IN ('reset', 'password_changed', 'email_confirm', 'email_changed')),
  reset_id        INTEGER REFERENCES password_reset(id),
  change_id       INTEGER REFERENCES email_change(id),
  secret          TEXT,
  to_addr         TEXT,                      -- NULL: the account's address as it is when sent
  created_s       INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  lease_until_ms  INTEGER NOT NULL DEFAULT 0,
  CHECK ((kind = 'reset') = (reset_id IS NOT NULL)),
  CHECK ((kind = 'email_confirm') = (change_id IS NOT NULL)),
  CHECK ((kind IN ('reset', 'email_confirm')) = (secret IS NOT NULL)),
  CHECK (kind NOT IN ('email_confirm', 'email_changed') OR to_addr IS NOT NULL),
  CHECK (kind <> 'reset' OR to_addr IS NULL)
);
INSERT INTO account_email_v2(id, account_id, kind, reset_id, secret, created_s, attempts, next_attempt_ms,
                             lease_until_ms)
  SELECT id, account_id, kind, reset_id, secret, created_s, attempts, next_attempt_ms, lease_until_ms
  FROM account_email;
DROP TABLE account_email;
ALTER TABLE account_email_v2 RENAME TO account_email;
CREATE INDEX account_email_due ON account_email(next_attempt_ms);
