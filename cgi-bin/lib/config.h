/* config.h — settings from environment variables with safe defaults.
 * Every variable is listed in docs/configuration.md. */
#ifndef RB_CONFIG_H
#define RB_CONFIG_H
#include <stddef.h>

/* Returns getenv(name) or def when unset or empty. */
const char *config_str(const char *name, const char *def);
/* Returns the integer value of name, or def when unset, empty or not a number. */
long config_long(const char *name, long def);
/* How long an Idempotency-Key is remembered, in seconds: IDEMPOTENCY_TTL_S (two days),
 * never under one day (SPEC keeps keys at least 24 h). */
long config_idempotency_ttl_s(void);
/* The project root (ROOMBOOK_ROOT, else the nearest folder above the binary holding schema/). */
const char *config_root(void);
/* The runtime folder (ROOMBOOK_VAR, else <root>/var). */
const char *config_var(void);
/* Writes path as the path part of a file: URI, for sqlite3_open_v2 (%, ? and # escaped). */
void config_uri_path(const char *path, char *out, size_t size);
/* Path of the SQLite file of a service: <var>/db/<service>.db (static buffer per call site is
 * not used: result is written into out). */
void config_db_path(const char *service, char *out, unsigned long size);
/* The currency code (CURRENCY, default "EUR"). */
const char *config_currency(void);
/* The stack's own secret (<var>/secret, written by scripts/stack at first start, mode 0600),
 * read once; "" when there is none, which refuses every internal call. */
const char *config_secret(void);
/* True when s equals the stack's secret (compared in constant time); false when either
 * is missing or empty. */
int config_secret_matches(const char *s);
/* Started as root, becomes the owner of <var>/db (the stack's own user), so that files
 * SQLite creates beside a database (-wal, -shm) never end up owned by root and lock the
 * services out. Not root, or var/db owned by root: nothing to do. Returns 0, or -1 with
 * the reason on stderr (prefixed by program). */
int config_become_db_owner(const char *program);
/* Today's date as YYYY-MM-DD in the configured time zone (TZ, default UTC). */
void config_today(char out[11]);
/* Current time as RFC 3339 UTC with milliseconds. */
void config_now(char out[32]);
/* Monotonic milliseconds. */
long long config_mono_ms(void);
/* Wall-clock milliseconds (CLOCK_REALTIME): times kept in a database, which other
 * processes compare with their own. */
long long config_wall_ms(void);
#endif
