/* db.c — SQLite connections, migrations, cached prepared statements. */
#include "db.h"
#include "buf.h"
#include "digest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>


#include "config.h"
#include "log.h"
#include "metrics.h"

static int db_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("db %s: %s: %s", db->service, err ? err : "?", sql);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the *.sql files of dir, sorted; returns the count (0 when the folder is absent). */
static int list_sql(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	int n = 0, cap = 0;
	char **names = NULL;
	if (!d) {
		*out = NULL;
		return 0;
	}
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".sql"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = realloc(names, sizeof *names * (size_t)cap);
			if (!names)
				abort();
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, name_cmp);
	*out = names;
	return n;
}

/* Reads a whole file; its size in *len. NULL when it cannot be read. Free the result. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *s = NULL;
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)size + 1)) &&
	    fread(s, 1, (size_t)size, f) == (size_t)size) {
		s[size] = '\0';
		*len = (size_t)size;
	} else {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* True once schema/common/004 gave schema_migration its sha256 column. */
static int has_hash_column(struct db *db)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM pragma_table_info('schema_migration') "
	                               "WHERE name = 'sha256'");
	return db_scalar_int(st, &n) == 1 && n > 0;
}

/* Whether migration key was applied: 1 (its recorded hash in out, "" when none was
 * recorded), 0 (not applied) or -1 (the query failed). */
static int migration_recorded(struct db *db, const char *key, char out[SHA256_HEX])
{
	out[0] = '\0';
	if (!has_hash_column(db)) {
		long long n = 0;
		sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM schema_migration WHERE name = ?");
		db_bind_text(st, 1, key);
		return db_scalar_int(st, &n) == 1 ? n > 0 : -1;
	}
	sqlite3_stmt *st = db_prep(db, "SELECT coalesce(sha256, '') FROM schema_migration WHERE name = ?");
	db_bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, SHA256_HEX, "%s", (const char *)sqlite3_column_text(st, 0));
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int migration_applied(struct db *db, const char *key)
{
	char hash[SHA256_HEX];
	return migration_recorded(db, key, hash) == 1;
}

/* A migration whose text holds this line may add a column that is already there: such
 * an ALTER TABLE ... ADD COLUMN is skipped (SQLite has no ADD COLUMN IF NOT EXISTS).
 * Only for catching up databases migrated from an edited migration. */
#define IF_ABSENT_MARK "-- migrate: skip columns that exist"

/* Runs the statements of a migration one by one. Returns 0, or -1 (logged). */
static int exec_script(struct db *db, const char *key, const char *sql)
{
	int if_absent = strstr(sql, IF_ABSENT_MARK) != NULL;
	while (sql && *sql) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, &tail);
		if (rc == SQLITE_OK && st)
			rc = db_run(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db->h);
		const char *msg = sqlite3_errmsg(db->h);
		int skip = rc != SQLITE_OK && if_absent && strncmp(msg, "duplicate column name", 21) == 0;
		if (rc != SQLITE_OK && !skip)
			log_error("migration %s: %s: %.*s", key, msg, (int)(tail ? tail - sql : 200), sql);
		sqlite3_finalize(st);
		if (rc != SQLITE_OK && !skip)
			return -1;
		sql = tail;
	}
	return 0;
}

/* Applies one migration's text and records it (with its hash once the column exists)
 * and the count in PRAGMA user_version. Inside the caller's transaction. */
static int migration_apply(struct db *db, const char *key, const char *sql, const char *hash)
{
	if (exec_script(db, key, sql))
		return -1;
	int hashed = has_hash_column(db);
	sqlite3_stmt *st = hashed ? db_prep(db, "INSERT INTO schema_migration(name, applied_at, sha256) "
	                                        "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?)")
	                          : db_prep(db, "INSERT INTO schema_migration(name, applied_at) "
	                                        "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	db_bind_text(st, 1, key);
	if (hashed)
		db_bind_text(st, 2, hash);
	long long count = 0;
	char pragma[64];
	if (db_run(st) != SQLITE_DONE ||
	    db_scalar_int(db_prep(db, "SELECT count(*) FROM schema_migration"), &count) != 1) {
		log_error("migration %s: cannot record it: %s", key, sqlite3_errmsg(db->h));
		return -1;
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %lld", count);
	return db_exec(db, pragma);
}

/* Records the hash of a migration applied before hashes were kept: the file as it is
 * now is trusted (see docs/operations.md, "Migrations"). */
static int migration_record_hash(struct db *db, const char *key, const char *hash)
{
	if (!has_hash_column(db))
		return 0; /* the second pass of db_open records it */
	sqlite3_stmt *st = db_prep(db, "UPDATE schema_migration SET sha256 = ? WHERE name = ? AND sha256 IS NULL");
	db_bind_text(st, 1, hash);
	db_bind_text(st, 2, key);
	if (db_run(st) == SQLITE_DONE)
		return 0;
	log_error("migration %s: cannot record its hash: %s", key, sqlite3_errmsg(db->h));
	return -1;
}

/* Applies one migration file inside its own BEGIN IMMEDIATE transaction unless another
 * process did it first; for an applied one, checks that the file still has the bytes
 * it was applied from (refusing to go on when not) or records their hash. Returns 0
 * on success. */
static int apply_migration(struct db *db, const char *dir, const char *name, const char *key)
{
	char path[PATH_MAX], hash[SHA256_HEX], recorded[SHA256_HEX];
	size_t len = 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	char *sql = slurp(path, &len);
	if (!sql || sha256_hex(sql, len, hash)) {
		log_error("migration %s cannot be read", path);
		free(sql);
		return -1;
	}
	/* Applied from these very bytes, as at nearly every start: nothing to write, so no
	 * write lock and no fdatasync (every process of a service checks every migration when
	 * it starts, and a commit each made the stack's start queue on the disk). */
	if (migration_recorded(db, key, recorded) == 1 && recorded[0] && strcmp(recorded, hash) == 0) {
		free(sql);
		return 0;
	}
	int rc = db_begin(db), state = rc ? -1 : migration_recorded(db, key, recorded);
	if (state == 0)
		rc = migration_apply(db, key, sql, hash);
	else if (state == 1 && !recorded[0])
		rc = migration_record_hash(db, key, hash);
	else if (state == 1 && strcmp(recorded, hash) != 0) {
		log_error("migration %s was changed after it was applied to the %s database: sha256 recorded %s, "
		          "file now %s. Refusing to start: restore the file as it shipped and put the change in a "
		          "new migration (docs/operations.md, \"Migrations\")", path, db->service, recorded, hash);
		rc = -1;
	} else if (state < 0) {
		log_error("migration %s: cannot read schema_migration: %s", key, sqlite3_errmsg(db->h));
		rc = -1;
	}
	free(sql);
	if (rc) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

/* Calls fn for every migration of db's service (common first, then its own).
 * Stops at the first nonzero return and returns it. */
static int each_migration(struct db *db, int (*fn)(struct db *, const char *, const char *,
                                                   const char *))
{
	const char *groups[2] = {"common", db->service};
	for (int g = 0; g < 2; g++) {
		char dir[PATH_MAX];
		char **names;
		snprintf(dir, sizeof dir, "%s/schema/%s", config_root(), groups[g]);
		int n = list_sql(dir, &names), rc = 0;
		for (int i = 0; i < n; i++) {
			char key[300];
			snprintf(key, sizeof key, "%s/%s", groups[g], names[i]);
			if (!rc)
				rc = fn(db, dir, names[i], key);
			free(names[i]);
		}
		free(names);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_applied(struct db *db, const char *dir, const char *name, const char *key)
{
	(void)dir;
	(void)name;
	return migration_applied(db, key) ? 0 : 1;
}

int db_is_migrated(struct db *db) { return each_migration(db, check_applied) == 0; }

/* What the connections of one process to one database share: the write mutex (see
 * db_begin) and, when FULL is kept by group commit, the commits counted as they finish
 * and the fdatasync in flight (at most one) with the count it covers. */
struct group {
	char service[32];
	pthread_mutex_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long long committed, synced;
	int syncing;
	_Atomic long long checkpoint_after_ms; /* after one found readers: none before this... */
	_Atomic int checkpoint_after_frames;   /* ...unless the WAL has this many frames */
	int mark_tried;            /* durable_mark looked for the file (under mu) */
	_Atomic long long *mark;   /* its shared durable mark, or NULL */
};

static atomic_llong group_syncs;

long long db_group_syncs(void) { return atomic_load(&group_syncs); }

/* The group of a database, shared by every connection of this process. */
static struct group *group_of(const char *service)
{
	static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
	static struct group table[16];
	struct group *found = NULL;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < sizeof table / sizeof *table && !found; i++) {
		if (!table[i].service[0]) {
			snprintf(table[i].service, sizeof table[i].service, "%s", service);
			pthread_mutex_init(&table[i].writer, NULL);
			pthread_mutex_init(&table[i].mu, NULL);
			pthread_cond_init(&table[i].cv, NULL);
		}
		if (strcmp(table[i].service, service) == 0)
			found = &table[i];
	}
	pthread_mutex_unlock(&table_mu);
	if (!found)
		abort(); /* more databases than a process ever opens */
	return found;
}

/* fdatasync of the database's WAL; 0 or -1. Through the connection's own handle of the
 * WAL (SQLITE_FCNTL_JOURNAL_POINTER, its xSync: fdatasync, and the directory's fsync
 * after the file was created) instead of opening it by name, an openat and a close per
 * commit fewer; by name when the connection has no WAL open (any descriptor of a file
 * flushes it). */
static int wal_sync(struct db *db)
{
	sqlite3_file *f = NULL;
	int rc;
	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) == SQLITE_OK && f && f->pMethods) {
		rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 : -1;
	} else {
		char path[PATH_MAX], wal[PATH_MAX + 8];
		config_db_path(db->service, path, sizeof path);
		snprintf(wal, sizeof wal, "%s-wal", path);
		int fd = open(wal, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : -1; /* no WAL: everything is in the database file */
		rc = fdatasync(fd) ? -1 : 0;
		close(fd);
	}
	atomic_fetch_add(&group_syncs, 1);
	return rc;
}

/* Waits until an fdatasync that began after commit number `mine` has finished, doing
 * it when none is under way; 0 or -1 (that fdatasync failed). */
static int group_wait(struct db *db, struct group *g, unsigned long long mine)
{
	int rc = 0;
	pthread_mutex_lock(&g->mu);
	while (g->synced < mine) {
		if (g->syncing) {
			pthread_cond_wait(&g->cv, &g->mu);
			continue;
		}
		unsigned long long upto = g->committed; /* every commit counted has finished */
		g->syncing = 1;
		pthread_mutex_unlock(&g->mu);
		rc = wal_sync(db);
		pthread_mutex_lock(&g->mu);
		g->syncing = 0;
		if (!rc && upto > g->synced)
			g->synced = upto;
		pthread_cond_broadcast(&g->cv);
		if (rc)
			break;
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

/* The durable mark of the group's database, shared by every process of the stack: the
 * largest outbox id whose commit a process has seen made durable (an fdatasync of the WAL
 * that began after the commit finished: everything before it in the WAL is on disk too).
 * A file of 8 bytes, <var>/run/durable/<service>.<inode of the database file>, mapped
 * shared: a database put in its place (a restore) is another inode and starts from no
 * mark. Only ever raised, and only after the fdatasync: it never says more than is on
 * disk. NULL when it cannot be had (the worker then syncs as before). */
static _Atomic long long *durable_mark(struct group *g)
{
	pthread_mutex_lock(&g->mu);
	if (!g->mark_tried) {
		g->mark_tried = 1;
		char path[PATH_MAX], file[PATH_MAX + 64];
		struct stat st;
		config_db_path(g->service, path, sizeof path);
		snprintf(file, sizeof file, "%s/run", config_var());
		int made = mkdir(file, 0700) == 0 || errno == EEXIST;
		snprintf(file, sizeof file, "%s/run/durable", config_var());
		made = made && (mkdir(file, 0700) == 0 || errno == EEXIST);
		if (made && stat(path, &st) == 0) {
			snprintf(file, sizeof file, "%s/run/durable/%s.%llu", config_var(), g->service,
			         (unsigned long long)st.st_ino);
			int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
			struct stat fs;
			if (fd >= 0 && fstat(fd, &fs) == 0 && (fs.st_size >= 8 || ftruncate(fd, 8) == 0)) {
				void *m = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (m != MAP_FAILED)
					g->mark = m;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return g->mark;
}

/* Raises the durable mark to id (never lowers it: another process may have raised it
 * further meanwhile). */
static void durable_mark_raise(struct group *g, long long id)
{
	_Atomic long long *m = durable_mark(g);
	if (!m)
		return;
	long long was = atomic_load(m);
	while (was < id && !atomic_compare_exchange_weak(m, &was, id))
		;
}

long long db_durable_mark(struct db *db)
{
	if (!db->group)
		return LLONG_MAX;
	_Atomic long long *m = durable_mark(db->group);
	return m ? atomic_load(m) : -1;
}

int db_durable_upto(struct db *db, long long id)
{
	return db_durable_mark(db) >= id ? 0 : db_durable(db);
}

int db_durable(struct db *db)
{
	if (!db->group)
		return 0;
	pthread_mutex_lock(&db->group->mu);
	unsigned long long mine = db->group->committed + 1; /* a sync that begins from now */
	db->group->committed = mine;
	pthread_mutex_unlock(&db->group->mu);
	return group_wait(db, db->group, mine);
}

int db_wal_unchanged(struct db *db, unsigned char seen[DB_WAL_HEADER])
{
	if (!db->wal_index) { /* the region SQLite mapped for this connection, alive while it is */
		sqlite3_file *f = NULL;
		volatile void *region = NULL;
		if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
		    !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap ||
		    f->pMethods->xShmMap(f, 0, 32 * 1024, 0, &region) != SQLITE_OK || !region)
			return 0;
		db->wal_index = region;
	}
	unsigned char now[DB_WAL_HEADER];
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(now, (const void *)db->wal_index, sizeof now);
	int same = memcmp(now, seen, sizeof now) == 0;
	memcpy(seen, now, sizeof now);
	return same;
}

/* SQLite's WAL hook, after each commit of this connection: how long the WAL is now. */
static int wal_committed(void *arg, sqlite3 *h, const char *name, int frames)
{
	(void)h;
	(void)name;
	((struct db *)arg)->wal_frames = frames;
	return SQLITE_OK;
}

/* Once the WAL holds DB_WAL_AUTOCHECKPOINT frames (1000: about 4 MB), copies them into the
 * database and starts the WAL again from its beginning: a RESTART checkpoint, after the
 * commit that took it there (db_commit).
 * SQLite's own auto-checkpoint is PASSIVE: it copies only what no reader still needs and
 * never waits. With a service's eight connections and the worker reading all the time,
 * some reader always held an older snapshot, so under load the WAL was never restarted:
 * it grew (reservations' to 20 MB in a 10 s saga, without bound in a longer one), every
 * commit past the threshold tried again, and every fdatasync wrote the inode too (the
 * file's size had changed). A RESTART waits for the readers of older frames to finish
 * (they are short) while holding off writers: at most CHECKPOINT_WAIT_MS. When readers
 * outlast that, this process's connections try again after CHECKPOINT_BACKOFF_MS or
 * another DB_WAL_AUTOCHECKPOINT frames, whichever comes first: writers are not held off
 * at every commit, and a fast writer does not outgrow the threshold many times over. */
#define CHECKPOINT_WAIT_MS 20
#define CHECKPOINT_BACKOFF_MS 100

static void db_checkpoint(struct db *db)
{
	long threshold = config_long("DB_WAL_AUTOCHECKPOINT", 1000);
	if (threshold <= 0 || db->wal_frames < threshold)
		return;
	struct group *g = db->shared;
	if (config_mono_ms() < atomic_load(&g->checkpoint_after_ms) &&
	    db->wal_frames < atomic_load(&g->checkpoint_after_frames))
		return; /* the last try found readers */
	db->busy_limit_ms = CHECKPOINT_WAIT_MS;
	int rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	db->busy_limit_ms = 0;
	if (rc == SQLITE_OK) {
		db->wal_frames = 0;
		atomic_store(&g->checkpoint_after_ms, 0);
	} else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		atomic_store(&g->checkpoint_after_frames, db->wal_frames + (int)threshold);
		atomic_store(&g->checkpoint_after_ms, config_mono_ms() + CHECKPOINT_BACKOFF_MS);
	} else
		log_error("db %s: checkpoint: %s", db->service, sqlite3_errmsg(db->h));
}

/* SQLite busy handler: another process holds the write lock; poll briefly. */
static int busy_wait(void *arg, int count)
{
	struct db *db = arg;
	static _Thread_local long long since;
	long long now = config_mono_ms();
	if (count == 0)
		since = now;
	if (now - since > (db->busy_limit_ms > 0 ? db->busy_limit_ms : config_long("DB_BUSY_TIMEOUT_MS", 10000))) {
		metrics_busy_wait(0, 0, 1);
		return 0;
	}
	struct timespec pause = {0, count < 20 ? 50000 : 500000};
	nanosleep(&pause, NULL);
	metrics_busy_wait(count == 0, pause.tv_nsec, 0);
	return 1;
}

/* Databases whose whole state is derived from other services' events and read by no
 * one else's worker: their consumer positions roll back with their data, so losing the
 * last commits to a power cut only means applying those events again. Every other
 * database holds acknowledged state or feeds another database from its outbox. */
static const char *const derived_databases[] = {"mypage"};

/* The synchronous setting of a service's database: DB_SYNCHRONOUS_<SERVICE>, else
 * DB_SYNCHRONOUS, else FULL (NORMAL for derived_databases). NULL (logged) when the
 * value set is not FULL, NORMAL or EXTRA. */
static const char *synchronous_setting(const char *service)
{
	static const char *const allowed[] = {"FULL", "NORMAL", "EXTRA"};
	char name[64];
	int n = snprintf(name, sizeof name, "DB_SYNCHRONOUS_");
	for (const char *p = service; *p && n < (int)sizeof name - 1; p++)
		name[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	name[n] = '\0';
	const char *def = "FULL";
	for (size_t i = 0; i < sizeof derived_databases / sizeof *derived_databases; i++)
		if (strcmp(service, derived_databases[i]) == 0)
			def = "NORMAL";
	const char *chosen = config_str(name, config_str("DB_SYNCHRONOUS", def));
	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
		if (strcasecmp(chosen, allowed[i]) == 0)
			return allowed[i];
	log_error("db %s: synchronous '%s' (from %s or DB_SYNCHRONOUS) is not FULL, NORMAL or EXTRA", service,
	          chosen, name);
	return NULL;
}

const char *db_synchronous(struct db *db)
{
	if (db->group)
		return "FULL"; /* by group commit: what db_commit acknowledges is on disk */
	static const char *const names[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
	long long level = -1;
	if (db_scalar_int(db_prep(db, "PRAGMA synchronous"), &level) != 1 || level < 0 || level > 3)
		return "unknown";
	return names[level];
}

struct db *db_open(const char *service)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *sync = synchronous_setting(service);
	if (!sync)
		return NULL;
	snprintf(dir, sizeof dir, "%s/db", config_var());
	mkdir_p(dir);
	config_db_path(service, path, sizeof path);
	struct db *db = calloc(1, sizeof *db);
	if (!db)
		abort();
	snprintf(db->service, sizeof db->service, "%s", service);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		log_error("cannot open %s: %s", path, sqlite3_errmsg(db->h));
		db_close(db);
		return NULL;
	}
	sqlite3_busy_handler(db->h, busy_wait, db);
	struct group *shared = group_of(service);
	db->writer = &shared->writer;
	db->shared = shared;
	if (strcmp(sync, "FULL") == 0 && config_long("DB_GROUP_COMMIT", 1)) {
		db->group = shared;
		sync = "NORMAL"; /* SQLite's part; the fdatasync is db_commit's, shared */
	}
	/* checkpoints are db_checkpoint's; temp_store=MEMORY keeps savepoint journals in
	 * memory: the worker's savepoint per event spilled to a temporary file once past
	 * 64 KiB, and from then on wrote every page it changed there too (two pwrites each) */
	char pragmas[256];
	snprintf(pragmas, sizeof pragmas,
	         "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; "
	         "PRAGMA wal_autocheckpoint=0; PRAGMA temp_store=MEMORY;",
	         sync);
	if (db_exec(db, pragmas)) {
		db_close(db);
		return NULL;
	}
	sqlite3_wal_hook(db->h, wal_committed, db); /* after the PRAGMA wal_autocheckpoint, which sets its own */
	int hashed = 0;
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migration(name TEXT PRIMARY KEY, "
	                "applied_at TEXT NOT NULL)") ||
	    (hashed = has_hash_column(db), each_migration(db, apply_migration)) ||
	    (!hashed && each_migration(db, apply_migration))) { /* hashes of what came before */
		db_close(db);
		return NULL;
	}
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < DB_STMT_CACHE; i++)
		sqlite3_finalize(db->cache[i].st);
	for (int i = 0; i < DB_ROWS_CACHE; i++)
		free(db->rows[i]);
	sqlite3_close(db->h);
	free(db);
}

sqlite3_stmt *db_prep(struct db *db, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % DB_STMT_CACHE;
	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		size_t k = (h + i) % DB_STMT_CACHE;
		if (db->cache[k].sql == sql) {
			sqlite3_reset(db->cache[k].st);
			sqlite3_clear_bindings(db->cache[k].st);
			return db->cache[k].st;
		}
		if (!db->cache[k].sql) {
			sqlite3_stmt *st;
			if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
			    SQLITE_OK) {
				log_error("prepare failed: %s: %s", sqlite3_errmsg(db->h), sql);
				abort();
			}
			db->cache[k].sql = sql;
			db->cache[k].st = st;
			return st;
		}
	}
	log_error("statement cache full (raise DB_STMT_CACHE)");
	abort();
}

int db_done(sqlite3_stmt *st) { return sqlite3_reset(st); }

static void writer_release(struct db *db)
{
	if (db->writing) {
		db->writing = 0;
		pthread_mutex_unlock(db->writer);
	}
}

void db_doorbell_path(char *out, size_t size) { snprintf(out, size, "%s/run/outbox.bell", config_var()); }

void db_recorded(struct db *db) { db->recorded = 1; }

/* Rings the worker's doorbell: one byte written to the file it watches with inotify, after
 * a commit that recorded events. inotify on the -wal file alone fires when the commit's
 * pages are written, before the commit is visible (at FULL, before its fsync), so the
 * worker could look too early and sleep; this write comes after. Best effort: without a
 * worker (no file yet) nothing happens, and the worker's own checks catch up. */
static void doorbell_ring(void)
{
	static atomic_int fd = -1;
	int f = atomic_load(&fd);
	if (f < 0) {
		char path[PATH_MAX];
		db_doorbell_path(path, sizeof path);
		if ((f = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
			return;
		int none = -1;
		if (!atomic_compare_exchange_strong(&fd, &none, f)) {
			close(f);
			f = none;
		}
	}
	if (pwrite(f, "!", 1, 0) < 0 && errno == EBADF)
		atomic_store(&fd, -1);
}

/* Runs one cached statement without parameters (BEGIN, COMMIT); 0 or -1, logged. */
static int db_step(struct db *db, const char *sql)
{
	if (db_run(db_prep(db, sql)) == SQLITE_DONE)
		return 0;
	log_error("db %s: %s: %s", db->service, sqlite3_errmsg(db->h), sql);
	return -1;
}

void db_cache_kb(struct db *db, int kb)
{
	char pragma[48];
	snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", kb > 0 ? kb : 1);
	if (sqlite3_exec(db->h, pragma, NULL, NULL, NULL) != SQLITE_OK)
		log_warn("db %s: %s: %s", db->service, sqlite3_errmsg(db->h), pragma);
}

int db_begin(struct db *db)
{
	if (!db->writing) {
		if (pthread_mutex_trylock(db->writer) != 0) {
			metrics_writer_wait();
			pthread_mutex_lock(db->writer);
		}
		db->writing = 1;
	}
	db->recorded = 0;
	if (db_step(db, "BEGIN IMMEDIATE")) {
		writer_release(db);
		return -1;
	}
	return 0;
}

int db_commit(struct db *db)
{
	/* the largest outbox id once this commits (AUTOINCREMENT: never handed out again;
	 * events rolled back to a savepoint are not counted): on disk after the sync below */
	long long top = 0;
	if (db->group && db->recorded) {
		sqlite3_stmt *st = db_prep(db, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
		if (st && sqlite3_step(st) == SQLITE_ROW)
			top = sqlite3_column_int64(st, 0);
		db_done(st);
	}
	if (db_step(db, "COMMIT")) {
		db_rollback(db);
		return -1;
	}
	writer_release(db);
	int rc = 0;
	if (db->group) { /* this commit counts; then an fdatasync that began after it */
		pthread_mutex_lock(&db->group->mu);
		unsigned long long mine = ++db->group->committed;
		pthread_mutex_unlock(&db->group->mu);
		if ((rc = group_wait(db, db->group, mine)) != 0)
			log_error("db %s: fdatasync of the WAL failed: %s; the commit may not be on disk", db->service,
			          strerror(errno));
		else if (top > 0)
			durable_mark_raise(db->group, top);
	}
	if (db->recorded)
		doorbell_ring();
	db->recorded = 0;
	db_checkpoint(db);
	return rc ? -1 : 0;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->recorded = 0;
	writer_release(db);
}

int db_check_writable(struct db *db, char *why, size_t size)
{
	char path[PATH_MAX], wal[PATH_MAX + 8], dir[PATH_MAX];
	config_db_path(db->service, path, sizeof path);
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(dir, sizeof dir, "%s/db", config_var());
	const char *bad = access(path, W_OK) ? path : access(wal, W_OK) && errno != ENOENT ? wal
	                  : access(dir, W_OK) ? dir : NULL;
	if (bad) {
		snprintf(why, size, "%s is not writable: %s", strrchr(bad, '/') ? strrchr(bad, '/') + 1 : bad,
		         strerror(errno));
		return -1;
	}
	if (db_begin(db)) {
		snprintf(why, size, "cannot take the write lock: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	db_rollback(db);
	return 0;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

json_t *db_row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		json_t *v;
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
		case SQLITE_FLOAT: v = json_real(sqlite3_column_double(st, i)); break;
		case SQLITE_NULL: v = json_null(); break;
		default: v = json_string((const char *)sqlite3_column_text(st, i)); break;
		}
		json_object_set_new(o, name, v ? v : json_null());
	}
	return o;
}

json_t *db_row_by_id(struct db *db, const char *sql, long long id)
{
	sqlite3_stmt *st = db_prep(db, sql);
	sqlite3_bind_int64(st, 1, id);
	json_t *row = sqlite3_step(st) == SQLITE_ROW ? db_row_json(st) : NULL;
	db_done(st);
	return row;
}

json_t *db_rows_json(sqlite3_stmt *st)
{
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, db_row_json(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* One column's value as JSON text, as db_row_json + json_dumps write it. */
static void column_json_text(sqlite3_stmt *st, int i, struct buf *out)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: buf_int(out, (long long)sqlite3_column_int64(st, i)); break;
	case SQLITE_NULL: buf_append(out, "null", 4); break;
	case SQLITE_FLOAT: { /* rare in answers: jansson's own number format */
		json_t *v = json_real(sqlite3_column_double(st, i));
		char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		buf_puts(out, text ? text : "null");
		free(text);
		json_decref(v);
		break;
	}
	default: buf_json_string(out, (const char *)sqlite3_column_text(st, i)); break;
	}
}

long db_rows_json_text(sqlite3_stmt *st, struct buf *out, long long max, const char *id_col, long long *last_id,
                       int *more)
{
	int n = sqlite3_column_count(st), id = -1, rc;
	long rows = 0;
	*more = 0;
	/* Each column's `"name":` (`,"name":` after the first), written once for every row. */
	struct buf keys = {0};
	size_t *at = calloc((size_t)n + 1, sizeof *at);
	if (!at)
		abort();
	for (int i = 0; i < n; i++) {
		if (id_col && strcmp(sqlite3_column_name(st, i), id_col) == 0)
			id = i;
		at[i] = keys.len;
		if (i)
			buf_append(&keys, ",", 1);
		buf_json_string(&keys, sqlite3_column_name(st, i));
		buf_append(&keys, ":", 1);
	}
	at[n] = keys.len;
	buf_append(out, "[", 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows == max) {
			*more = 1;
			rc = SQLITE_DONE;
			break;
		}
		if (rows++)
			buf_append(out, ",", 1);
		buf_append(out, "{", 1);
		for (int i = 0; i < n; i++) {
			buf_append(out, buf_str(&keys) + at[i], at[i + 1] - at[i]);
			column_json_text(st, i, out);
		}
		buf_append(out, "}", 1);
		if (id >= 0 && last_id)
			*last_id = sqlite3_column_int64(st, id);
	}
	sqlite3_reset(st);
	buf_free(&keys);
	free(at);
	if (rc != SQLITE_DONE)
		return -1;
	buf_append(out, "]", 1);
	return rows;
}

/* One kept list answer: its key, the WAL's header when it was read, and its bytes. */
struct db_rows_kept {
	unsigned char wal[DB_WAL_HEADER];
	long rows;
	long long last_id;
	int more;
	size_t key_len, len;
	char bytes[]; /* the key, then the answer */
};

long db_rows_json_cached(struct db *db, const char *key, sqlite3_stmt *st, struct buf *out, long long max,
                         const char *id_col, long long *last_id, int *more)
{
	size_t key_len = strlen(key), h = 2166136261u;
	for (size_t i = 0; i < key_len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	struct db_rows_kept **slot = &db->rows[h % DB_ROWS_CACHE], *kept = *slot;
	unsigned char wal[DB_WAL_HEADER] = {0};
	if (kept && kept->key_len == key_len && memcmp(kept->bytes, key, key_len) == 0) {
		memcpy(wal, kept->wal, sizeof wal);
		if (db_wal_unchanged(db, wal)) {
			sqlite3_reset(st);
			buf_append(out, kept->bytes + key_len, kept->len);
			if (last_id)
				*last_id = kept->last_id;
			*more = kept->more;
			return kept->rows;
		}
	} else {
		db_wal_unchanged(db, wal); /* the header before the rows are read */
	}
	size_t from = out->len;
	long long last = 0;
	long rows = db_rows_json_text(st, out, max, id_col, &last, more);
	if (last_id)
		*last_id = last;
	size_t len = out->len - from;
	if (rows < 0 || len > DB_ROWS_CACHE_MAX)
		return rows;
	struct db_rows_kept *fresh = realloc(kept, sizeof *fresh + key_len + len);
	if (!fresh) /* kept is still there, and still right for its own header */
		return rows;
	memcpy(fresh->wal, wal, sizeof wal);
	fresh->rows = rows;
	fresh->last_id = last;
	fresh->more = *more;
	fresh->key_len = key_len;
	fresh->len = len;
	memcpy(fresh->bytes, key, key_len);
	memcpy(fresh->bytes + key_len, out->data + from, len);
	*slot = fresh;
	return rows;
}

int db_run(sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc;
}

int db_scalar_int(sqlite3_stmt *st, long long *out)
{
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		r = 1;
	} else {
		r = rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_reset(st);
	return r;
}
