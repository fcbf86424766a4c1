-- Accounts, their credentials (browser sessions and API tokens: only hashes of the
-- secrets are stored) and the failed sign-ins that slow the next attempts down.

CREATE TABLE account (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL,               -- as given
  email_key     TEXT NOT NULL UNIQUE,        -- lower-cased: unique case-insensitively
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,               -- yescrypt ($y$...)
  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

-- A session (kind 'session': idle and absolute limits) or an API token (kind 'token':
-- until revoked). Times are unix seconds: the identity check compares them per request.
CREATE TABLE credential (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES account(id),
  kind        TEXT NOT NULL CHECK (kind IN ('session', 'token')),
  hash        TEXT NOT NULL UNIQUE,          -- SHA-256 of the secret, hex
  name        TEXT,                          -- a token's name
  created_s   INTEGER NOT NULL,
  used_s      INTEGER NOT NULL,              -- last use, kept to the minute
  expires_s   INTEGER,                       -- absolute limit; NULL for tokens
  revoked_s   INTEGER
);
CREATE INDEX credential_account ON credential(account_id, kind, id);

-- Failed sign-ins per key ('email:<lower-cased email>' or 'addr:<client address>'),
-- counted in a window; past the limit, attempts wait until blocked_until.
CREATE TABLE sign_in_failure (
  key           TEXT PRIMARY KEY,
  failures      INTEGER NOT NULL,
  window_s      INTEGER NOT NULL,            -- start of the counting window
  blocked_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
