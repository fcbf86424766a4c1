-- Each applied migration's SHA-256 (of the file's bytes), so that a migration edited
-- after it shipped is noticed at start instead of leaving older databases without
-- what the edit added. Rows applied before this column existed get the hash of the
-- file as it is at the first start with this migration (lib/db.c).
ALTER TABLE schema_migration ADD COLUMN sha256 TEXT;
