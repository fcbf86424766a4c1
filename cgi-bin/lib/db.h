/* db.h — one SQLite connection with its cache of prepared statements.
 * A struct db belongs to one thread. Write transactions are always BEGIN IMMEDIATE. */
#ifndef RB_DB_H
#define RB_DB_H
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#define DB_STMT_CACHE 128
#define DB_ROWS_CACHE 16             /* list answers kept per connection (db_rows_json_cached) */
#define DB_ROWS_CACHE_MAX (16 * 1024) /* larger ones are not kept */
#define DB_WAL_HEADER 48

struct db {
	sqlite3 *h;
	char service[32];
	pthread_mutex_t *writer; /* one writer per database per process (see db_begin) */
	struct group *shared;    /* what this process's connections to the database share */
	int writing;             /* this connection holds writer */
	int recorded;            /* the open transaction recorded events (db_recorded) */
	struct group *group;     /* FULL by group commit (see db_commit); NULL otherwise */
	int wal_frames;          /* frames in the WAL after this connection's last commit */
	long long busy_limit_ms; /* while > 0, the busy handler gives up after this long */
	const volatile void *wal_index; /* SQLite's own mapping of the -shm (db_wal_unchanged) */
	struct {
		const char *sql; /* key: the address of the SQL literal */
		sqlite3_stmt *st;
	} cache[DB_STMT_CACHE];
	struct db_rows_kept *rows[DB_ROWS_CACHE]; /* db_rows_json_cached's, NULL until used */
};

/* Opens <var>/db/<service>.db (creating folders), sets WAL, busy_timeout and
 * synchronous (DB_SYNCHRONOUS_<SERVICE>, else DB_SYNCHRONOUS, else FULL, or NORMAL for
 * a database derived from events alone), and applies pending migrations from
 * schema/common and schema/<service>, each recorded with the SHA-256 of its file.
 * Returns NULL (and logs why) on failure, among them: a setting that is not FULL,
 * NORMAL or EXTRA, a migration that fails, and an applied migration whose file no
 * longer has the hash recorded. Free with db_close. */
struct db *db_open(const char *service);
void db_close(struct db *db);
/* Caps the connection's page cache at kb kilobytes (PRAGMA cache_size; SQLite's default
 * is 2 000); a failure is logged and leaves SQLite's default. */
void db_cache_kb(struct db *db, int kb);
/* The connection's PRAGMA synchronous as a name: "NORMAL", "FULL", ... */
const char *db_synchronous(struct db *db);
/* True when every migration file on disk has been applied. */
int db_is_migrated(struct db *db);

/* Whether a write could happen now, cheaply (no I/O, nothing committed): the database
 * file, its -wal and its folder are writable by this process (a chmod shows here before
 * the next start fails), and the write lock can be taken (BEGIN IMMEDIATE; ROLLBACK,
 * queueing like any writer, up to DB_BUSY_TIMEOUT_MS). Returns 0, or -1 with the reason
 * in why. */
int db_check_writable(struct db *db, char *why, size_t size);

/* Returns the cached statement for sql (a string literal: cached by address),
 * reset and with bindings cleared. Never NULL: a bad SQL text is a bug and aborts
 * after logging the SQL. Call sqlite3_reset (or db_done) after the last step. */
sqlite3_stmt *db_prep(struct db *db, const char *sql);
/* Resets st so it holds no read snapshot. Returns SQLITE_OK or the step error. */
int db_done(sqlite3_stmt *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return 0 on success, -1 on failure (logged).
 * Threads of one process take turns on a mutex per database before BEGIN, so they
 * queue instead of sleeping in SQLite's busy handler; between processes a busy handler
 * that polls every ~100 µs (up to DB_BUSY_TIMEOUT_MS) does the waiting. db_rollback
 * is safe to call when no transaction is open. */
int db_begin(struct db *db);
/* Commits. A database at FULL is committed at NORMAL and then made durable by group
 * commit: db_commit returns once an fdatasync of the WAL that began after this commit
 * has finished, and one fdatasync serves every thread of the process that committed
 * before it began (DB_GROUP_COMMIT=0: SQLite's own FULL, one fsync per commit). So what
 * db_commit acknowledges is on disk, as at FULL. Until then other connections may read
 * the commit: the worker makes a source durable (db_durable) after reading its outbox
 * and before delivering, so no event leaves a database before it is on disk. */
int db_commit(struct db *db);
/* Makes every commit of db's database so far durable (an fdatasync of its WAL, shared
 * with the process's other threads); 0 or -1. Nothing to do unless db->group. */
int db_durable(struct db *db);
/* db_durable, unless the outbox rows up to id are known to be on disk already: the
 * process that committed them has seen its group commit's fdatasync finish (a mark in
 * <var>/run/durable shared by the stack's processes, raised by db_commit). The worker's
 * check before delivering: most rows it reads were made durable before their commit
 * was acknowledged, so it need not sync them again. 0 or -1. */
int db_durable_upto(struct db *db, long long id);
/* The outbox rows known to be on disk without syncing anything: up to the durable mark
 * (db_commit raises it after its fdatasync), LLONG_MAX when db is not made durable by
 * group commit (each commit is synced before others see it), -1 when there is no mark
 * (its file could not be had: only a sync of one's own tells). */
long long db_durable_mark(struct db *db);
/* Whether nothing was committed to db's database since the last call with this seen
 * (DB_WAL_HEADER bytes, zeroed before the first), without a transaction or a lock: the
 * header of the wal-index (the -shm, mapped by SQLite), which every commit changes
 * (its change counter, frame count and checksums: sqlite.org/walformat.html). seen
 * takes the header as read. A header read while a commit writes it differs from both
 * states, so the answer is "changed": at worst a needless look, never a missed commit.
 * 0 (changed, or cannot tell) or 1. */
int db_wal_unchanged(struct db *db, unsigned char seen[DB_WAL_HEADER]);
/* fdatasyncs done by group commit in this process (for tests). */
long long db_group_syncs(void);
/* Marks the open transaction as one that recorded events: once it commits, the worker's
 * doorbell rings (db_doorbell_path), so delivery starts at once. */
void db_recorded(struct db *db);
/* The doorbell file, <var>/run/outbox.bell (made and watched by the worker). */
void db_doorbell_path(char *out, size_t size);
void db_rollback(struct db *db);

/* Binds a C string or NULL (as SQL NULL) at 1-based index i. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Converts the current row into a JSON object keyed by column names (use SQL aliases
 * for camelCase). Integers stay integers, NULL becomes null. New reference. */
json_t *db_row_json(sqlite3_stmt *st);
/* Runs sql (a string literal with one parameter, ?1 or ?) for id and returns the first
 * row as db_row_json, or NULL when there is none. */
json_t *db_row_by_id(struct db *db, const char *sql, long long id);
/* Steps st to the end, collecting rows as db_row_json; resets st. New reference.
 * On a step error returns NULL. */
json_t *db_rows_json(sqlite3_stmt *st);
struct buf;
/* Steps st, appending at most max rows to out as the JSON text of db_rows_json's array
 * (the same bytes json_dumps writes, JSON_COMPACT), with no JSON objects made on the way:
 * list answers' cost was mostly jansson's objects and their allocations. Column names
 * must differ (jansson would keep one). Returns the rows written, -1 on a step error
 * (out then holds part of an array); *more is set when a row beyond max was there, and
 * *last_id to the integer in column id_col (NULL: none) of the last row written. Resets st. */
long db_rows_json_text(sqlite3_stmt *st, struct buf *out, long long max, const char *id_col, long long *last_id,
                       int *more);
/* db_rows_json_text through a cache of this connection's: key names the rows (the query
 * and every value bound to it, and anything else the caller lets them decide). While
 * nothing was committed to the database since they were read (db_wal_unchanged: no lock,
 * no system call), the same key appends the same bytes again without stepping st (reset
 * all the same). The header is read before the query, so rows are never kept under a
 * state older than theirs: at worst a needless miss. Answers over DB_ROWS_CACHE_MAX
 * bytes, and failed steps, are not kept. Same returns as db_rows_json_text. */
long db_rows_json_cached(struct db *db, const char *key, sqlite3_stmt *st, struct buf *out, long long max,
                         const char *id_col, long long *last_id, int *more);
/* Runs st to completion and resets it. Returns the final sqlite3_step code
 * (SQLITE_DONE on success). */
int db_run(sqlite3_stmt *st);
/* Steps once: 1 and the first column as integer in *out when a row came, 0 when none,
 * -1 on error. Resets st. */
int db_scalar_int(sqlite3_stmt *st, long long *out);
#endif
