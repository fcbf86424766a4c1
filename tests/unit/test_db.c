/* test_db.c — the database layer: how durable each service's commits are by default
 * and when overridden, and migrations recorded by hash: an edited one refuses to open,
 * hashes of migrations applied before hashes existed are recorded, and a database
 * migrated from the first version of reservations/002 catches up; the durable mark the
 * worker reads instead of syncing a source again. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "unit.h"
#include "unit_stack.h"

static char root[PATH_MAX]; /* the repository: ROOMBOOK_ROOT as unit_sandbox set it */

/* The durability (0 OFF, 1 NORMAL, 2 FULL) of a fresh connection to service's
 * database: its PRAGMA synchronous, or FULL when group commit makes it so (SQLite at
 * NORMAL, db_commit's shared fdatasync); -1 when it does not open. */
static long long synchronous_of(const char *service)
{
	struct db *db = db_open(service);
	long long level = -1;
	if (db)
		db_scalar_int(db_prep(db, "PRAGMA synchronous"), &level);
	if (db && db->group)
		level = level == 1 ? 2 : -2; /* group commit runs SQLite at NORMAL */
	db_close(db);
	return level;
}

struct committer {
	int n;
	int failed;
};

/* n transactions of one row each on its own connection to rooms. */
static void *commit_rows(void *arg)
{
	struct committer *c = arg;
	struct db *db = db_open("rooms");
	for (int i = 0; db && i < c->n; i++) {
		sqlite3_stmt *st = db_prep(db, "INSERT INTO group_probe(n) VALUES (?)");
		sqlite3_bind_int(st, 1, i);
		if (db_begin(db) || db_run(st) != SQLITE_DONE || db_commit(db))
			c->failed++, db_rollback(db);
	}
	c->failed += !db;
	db_close(db);
	return NULL;
}

/* Threads committing at once share fdatasyncs: every commit acknowledged, fewer syncs
 * than commits; with DB_GROUP_COMMIT=0, SQLite's own FULL and no shared sync. */
static void concurrent_commits_share_one_fdatasync(void)
{
	struct db *db = db_open("rooms");
	CHECK(db && sqlite3_exec(db->h, "CREATE TABLE IF NOT EXISTS group_probe(n INTEGER)", NULL, NULL, NULL) == 0);
	long long before = db_group_syncs();
	pthread_t t[4];
	struct committer c[4];
	for (int i = 0; i < 4; i++) {
		c[i] = (struct committer){.n = 100};
		pthread_create(&t[i], NULL, commit_rows, &c[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK(c[i].failed == 0);
	}
	long long syncs = db_group_syncs() - before, rows = 0;
	db_scalar_int(db_prep(db, "SELECT count(*) FROM group_probe"), &rows);
	CHECK(rows == 400);
	CHECK(syncs >= 1 && syncs <= 400);
	fprintf(stderr, "    400 commits on 4 threads, %lld fdatasyncs\n", syncs);
	db_close(db);
	setenv("DB_GROUP_COMMIT", "0", 1);
	db = db_open("rooms");
	long long level = -1;
	CHECK(db && !db->group && db_scalar_int(db_prep(db, "PRAGMA synchronous"), &level) == 1 && level == 2);
	db_close(db);
	unsetenv("DB_GROUP_COMMIT");
}

static void acknowledged_state_is_durable_by_default(void)
{
	const char *full[] = {"reservations", "payments", "rooms", "accounts", "tickets", "messages"};
	for (size_t i = 0; i < sizeof full / sizeof *full; i++)
		CHECK(synchronous_of(full[i]) == 2);
	CHECK(synchronous_of("mypage") == 1); /* rebuilt from events */
	struct db *db = db_open("rooms");
	CHECK(db && strcmp(db_synchronous(db), "FULL") == 0);
	db_close(db);
}

static void synchronous_can_be_chosen_for_all_or_one(void)
{
	setenv("DB_SYNCHRONOUS", "NORMAL", 1);
	CHECK(synchronous_of("payments") == 1);
	setenv("DB_SYNCHRONOUS_PAYMENTS", "full", 1); /* one service's own setting wins */
	CHECK(synchronous_of("payments") == 2);
	CHECK(synchronous_of("rooms") == 1);
	setenv("DB_SYNCHRONOUS_PAYMENTS", "OFF", 1); /* never: a power cut could corrupt */
	CHECK(synchronous_of("payments") == -1);
	unsetenv("DB_SYNCHRONOUS_PAYMENTS");
	unsetenv("DB_SYNCHRONOUS");
}

/* Runs a shell command made of fmt and a, b; true when it exits 0. */
static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4 * PATH_MAX];
	snprintf(cmd, sizeof cmd, fmt, a, b);
	return system(cmd) == 0;
}

static const char *sandbox; /* ROOMBOOK_ROOT and ROOMBOOK_VAR: a copy of schema/, and db/ */

/* Puts the repository's schema/ back into the sandbox and deletes service's database. */
static void fresh_schema(const char *service)
{
	char db[PATH_MAX];
	snprintf(db, sizeof db, "%s/db/%s.db", sandbox, service);
	CHECK(sh("rm -rf '%s/schema'", sandbox, ""));
	CHECK(sh("cp -r '%s/schema' '%s/'", root, sandbox));
	CHECK(sh("rm -f '%s'*", db, "")); /* and its -wal, -shm */
}

/* The sha256 recorded for migration key, in out ("" when none). */
static void recorded_hash(struct db *db, const char *key, char out[65])
{
	sqlite3_stmt *st = db_prep(db, "SELECT coalesce(sha256, '') FROM schema_migration WHERE name = ?");
	db_bind_text(st, 1, key);
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, 65, "%s", (const char *)sqlite3_column_text(st, 0));
	db_done(st);
}

/* A commit that recorded events raises the stack's durable mark (a file per database
 * under run/durable) once its fdatasync has finished; the worker's check then needs no
 * fdatasync for rows up to there, and still does one for rows past it. An event rolled
 * back to a savepoint does not count. */
static void the_durable_mark_spares_the_worker_a_sync(void)
{
	fresh_schema("payments");
	struct db *db = db_open("payments");
	CHECK(db && db->group);
	CHECK(db && db_begin(db) == 0);
	CHECK(db && event_record(db, "probe", 1, "probe.made", json_object()) == 0);
	CHECK(db && db_commit(db) == 0);
	long long id = 0;
	CHECK(db && db_scalar_int(db_prep(db, "SELECT max(id) FROM outbox"), &id) == 1 && id > 0);
	CHECK(db && db_begin(db) == 0); /* an event undone to its savepoint, then a commit */
	CHECK(db && sqlite3_exec(db->h, "SAVEPOINT probe", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(db && event_record(db, "probe", 2, "probe.made", json_object()) == 0);
	CHECK(db && sqlite3_exec(db->h, "ROLLBACK TO probe; RELEASE probe", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(db && db_commit(db) == 0);

	char path[PATH_MAX], mark_path[2 * PATH_MAX];
	struct stat st;
	long long mark = -1;
	snprintf(path, sizeof path, "%s/db/payments.db", sandbox);
	CHECK(stat(path, &st) == 0);
	snprintf(mark_path, sizeof mark_path, "%s/run/durable/payments.%llu", sandbox, (unsigned long long)st.st_ino);
	FILE *f = fopen(mark_path, "rb");
	CHECK(f && fread(&mark, sizeof mark, 1, f) == 1);
	if (f)
		fclose(f);
	CHECK(mark == id);

	long long before = db_group_syncs();
	CHECK(db && db_durable_upto(db, id) == 0);
	CHECK(db_group_syncs() == before); /* on disk already: no fdatasync */
	CHECK(db && db_durable_upto(db, id + 1) == 0);
	CHECK(db_group_syncs() == before + 1); /* not known to be: one */
	db_close(db);
}

/* Opening a database whose migrations are all applied writes nothing: every process of
 * every service opens its database at start, and a commit (an fdatasync) per migration
 * checked made the stack's start queue on the disk. */
static void opening_a_migrated_database_writes_nothing(void)
{
	fresh_schema("rooms");
	struct db *db = db_open("rooms"); /* migrates */
	CHECK(db != NULL);
	db_close(db);
	long long before = db_group_syncs();
	db = db_open("rooms");
	CHECK(db != NULL);
	CHECK(db_group_syncs() == before);
	db_close(db);
}

static void an_edited_migration_refuses_to_open(void)
{
	fresh_schema("rooms");
	struct db *db = db_open("rooms");
	char hash[65] = "";
	CHECK(db != NULL);
	if (db) {
		recorded_hash(db, "rooms/001-rooms.sql", hash);
		CHECK(strlen(hash) == 64);
		recorded_hash(db, "common/001-events.sql", hash);
		CHECK(strlen(hash) == 64); /* applied before the hash column existed: recorded too */
	}
	db_close(db);
	fprintf(stderr, "  (an ERROR about rooms/001-rooms.sql being changed is expected next)\n");
	CHECK(sh("echo '-- an afterthought' >> '%s/schema/rooms/001-rooms.sql'", sandbox, ""));
	CHECK(db_open("rooms") == NULL);
	CHECK(sh("cp '%s/schema/rooms/001-rooms.sql' '%s/schema/rooms/'", root, sandbox));
	db = db_open("rooms"); /* restored as it shipped: opens again */
	CHECK(db != NULL);
	db_close(db);
}

static void hashes_missing_from_before_are_recorded(void)
{
	fresh_schema("payments");
	struct db *db = db_open("payments");
	CHECK(db != NULL);
	if (!db)
		return;
	/* as a database migrated before common/004 would be: no hash column, no 004 */
	CHECK(sqlite3_exec(db->h, "DELETE FROM schema_migration WHERE name = 'common/004-migration-sha256.sql'; "
	                          "ALTER TABLE schema_migration DROP COLUMN sha256",
	                   NULL, NULL, NULL) == SQLITE_OK);
	db_close(db);
	db = db_open("payments");
	CHECK(db != NULL);
	if (db) {
		long long unhashed = -1;
		db_scalar_int(db_prep(db, "SELECT count(*) FROM schema_migration WHERE sha256 IS NULL "
		                          "OR length(sha256) <> 64"), &unhashed);
		CHECK(unhashed == 0);
		CHECK(db_is_migrated(db));
	}
	db_close(db);
}

/* schema/reservations/002 as it first shipped (commit 6b9a8ff), before it grew. */
static const char first_002[] =
	"-- The reservation page shows payment and ticket state without calling other services:\n"
	"-- reservations keeps them from PaymentApproved/Refunded and TicketIssued/Voided events.\n"
	"ALTER TABLE reservation ADD COLUMN payment_status TEXT;\n"
	"ALTER TABLE reservation ADD COLUMN ticket_code TEXT;\n"
	"ALTER TABLE reservation ADD COLUMN ticket_status TEXT;\n";

/* A database migrated when reservations/002 was its first version gets the columns,
 * index and table that 002 grew later. */
static void reservations_migrated_from_the_first_002_catch_up(void)
{
	fresh_schema("reservations");
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/schema/reservations/002-payment-ticket-state.sql", sandbox);
	FILE *f = fopen(path, "w");
	CHECK(f && fputs(first_002, f) >= 0);
	if (f)
		fclose(f);
	CHECK(sh("cd '%s/schema' && rm reservations/003-*.sql reservations/004-*.sql common/004-*.sql", sandbox, ""));
	struct db *db = db_open("reservations");
	CHECK(db != NULL);
	db_close(db);
	CHECK(sh("rm -r '%s/schema'", sandbox, ""));
	CHECK(sh("cp -r '%s/schema' '%s/'", root, sandbox));
	db = db_open("reservations");
	CHECK(db != NULL);
	if (!db)
		return;
	long long n = -1;
	db_scalar_int(db_prep(db, "SELECT count(*) FROM pragma_table_info('reservation') "
	                          "WHERE name IN ('room_name', 'idempotency_key', 'account_id', 'host_id')"), &n);
	CHECK(n == 4);
	n = -1;
	db_scalar_int(db_prep(db, "SELECT count(*) FROM sqlite_schema WHERE name IN "
	                          "('deleted_room', 'reservation_idempotency_key')"), &n);
	CHECK(n == 2);
	db_close(db);
}

/* db_rows_json_text writes the bytes json_dumps(db_rows_json) writes, for every kind of
 * column and every string: escapes, multi-byte UTF-8, invalid UTF-8 (null, as jansson
 * refuses it), embedded NUL, floats; and 3 000 strings of random bytes against jansson. */
static void rows_as_text_are_jansson_s_bytes(void)
{
	static const char *const texts[] = {
		"", "plain", "quote\" back\\slash / slash", "\b\f\n\r\t\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"\xc0\x80", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x82",
		"\x80", "ok\xff", "\xf0\x90\x80\x80", "\xef\xbf\xbf", "\xee\x80\x80",
	};
	sqlite3 *h;
	CHECK(sqlite3_open(":memory:", &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, s, n, f)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_stmt *ins;
	CHECK(sqlite3_prepare_v2(h, "INSERT INTO t(s, n, f) VALUES (?, ?, ?)", -1, &ins, NULL) == SQLITE_OK);
	unsigned seed = 2026;
	for (int i = 0; i < 3000 + (int)(sizeof texts / sizeof *texts); i++) {
		char text[16];
		const char *value = text;
		int len = -1;
		if (i < (int)(sizeof texts / sizeof *texts)) {
			value = texts[i];
		} else {
			len = (int)(rand_r(&seed) % 12);
			for (int k = 0; k < len; k++)
				text[k] = (char)(1 + rand_r(&seed) % 255);
			text[len] = 0;
		}
		sqlite3_bind_text(ins, 1, value, len, SQLITE_TRANSIENT);
		if (i % 3 == 0)
			sqlite3_bind_null(ins, 2);
		else
			sqlite3_bind_int64(ins, 2, i % 2 ? -9223372036854775807LL - 1 : (long long)i * 1000003);
		sqlite3_bind_double(ins, 3, i % 4 == 0 ? 3.0 : i % 4 == 1 ? -0.0 : i % 4 == 2 ? 1e300 : 0.1 * i);
		CHECK(sqlite3_step(ins) == SQLITE_DONE);
		sqlite3_reset(ins);
	}
	/* embedded NUL: both stop at it */
	CHECK(sqlite3_exec(h, "INSERT INTO t(s, n, f) VALUES (CAST(x'610062' AS TEXT), 1, 2.5), (x'ff00', NULL, NULL)",
	                   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(h, "SELECT id AS \"the id\", s AS text, n AS \"n\"\"x\", f FROM t ORDER BY id", -1, &st,
	                         NULL) == SQLITE_OK);
	json_t *rows = db_rows_json(st);
	char *want = json_dumps(rows, JSON_COMPACT | JSON_ENCODE_ANY);
	struct buf got = {0};
	long long last = 0;
	int more = 1;
	long n = db_rows_json_text(st, &got, 1000000, "the id", &last, &more);
	CHECK(n == (long)json_array_size(rows) && !more && last == n);
	CHECK(want && strcmp(buf_str(&got), want) == 0);
	if (want && strcmp(buf_str(&got), want) != 0) { /* the first difference, to see */
		size_t k = 0;
		while (want[k] && want[k] == buf_str(&got)[k])
			k++;
		fprintf(stderr, "  differ at %zu: want %.40s got %.40s\n", k, want + k, buf_str(&got) + k);
	}
	/* a page: max rows written, the next one only noticed */
	buf_reset(&got);
	CHECK(db_rows_json_text(st, &got, 2, "the id", &last, &more) == 2 && more && last == 2);
	json_t *page = json_loads(buf_str(&got), 0, NULL);
	CHECK(json_array_size(page) == 2 && json_equal(json_array_get(page, 1), json_array_get(rows, 1)));
	buf_reset(&got);
	CHECK(db_rows_json_text(st, &got, 2, NULL, NULL, &more) == 2 && more); /* no id asked for */
	json_decref(page);
	json_decref(rows);
	free(want);
	buf_free(&got);
	sqlite3_finalize(ins);
	sqlite3_finalize(st);
	sqlite3_close(h);
}


/* A plain connection (SQLite's unix VFS, no buffering) to service's database. */
static sqlite3 *plain_open(const char *service)
{
	char path[PATH_MAX];
	config_db_path(service, path, sizeof path);
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK) {
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, 5000);
	return h;
}

static long long plain_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* kill -9 of a writer (group commit, checkpoints as db_commit runs them): a child
 * commits rows and reports each one db_commit acknowledged; killed at a moment that
 * differs each round, it leaves a database that checks whole and holds every
 * acknowledged row. */
static void a_killed_writer_loses_nothing_acknowledged(void)
{
	for (int round = 0; round < 5; round++) {
		int fds[2];
		CHECK(pipe(fds) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			struct db *db = db_open("tickets");
			if (!db || sqlite3_exec(db->h, "CREATE TABLE IF NOT EXISTS wal_killed(n INTEGER PRIMARY KEY, body BLOB)", NULL, NULL, NULL))
				_exit(2);
			for (int n = round * 1000000;; n++) {
				sqlite3_stmt *st = db_prep(db, "INSERT INTO wal_killed(n, body) VALUES (?, zeroblob(6000))");
				sqlite3_bind_int(st, 1, n);
				if (db_begin(db) || db_run(st) != SQLITE_DONE || db_commit(db))
					_exit(3);
				if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n)
					_exit(4);
			}
		}
		close(fds[1]);
		int last = -1, n;
		long long until = config_mono_ms() + 30 + 40 * round;
		while (config_mono_ms() < until && read(fds[0], &n, sizeof n) == (ssize_t)sizeof n)
			last = n;
		kill(pid, SIGKILL);
		while (read(fds[0], &n, sizeof n) == (ssize_t)sizeof n) /* acknowledged before the kill */
			last = n;
		close(fds[0]);
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status));
		sqlite3 *h = plain_open("tickets");
		CHECK(h && last >= round * 1000000);
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM wal_killed WHERE n BETWEEN %d AND %d", round * 1000000, last);
		CHECK(plain_int(h, sql) == last - round * 1000000 + 1);
		CHECK(plain_int(h, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1);
		sqlite3_close(h);
	}
}

struct reader {
	volatile int stop;
	long long reads;
};

/* Reads payments' probe table over and over on a connection of its own, each read
 * transaction holding its snapshot for a millisecond, the next one starting at once: a
 * service's connections and the worker between them, where some reader is nearly always
 * inside a transaction that began before the latest commit. */
static void *keep_reading(void *arg)
{
	struct reader *r = arg;
	sqlite3 *h = plain_open("payments");
	sqlite3_stmt *st = NULL;
	if (h && sqlite3_prepare_v2(h, "SELECT n FROM ckpt_probe ORDER BY rowid DESC LIMIT 1", -1, &st, NULL))
		st = NULL;
	while (st && !r->stop) {
		sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
		sqlite3_step(st); /* the snapshot is taken here */
		sqlite3_reset(st);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
		sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		r->reads++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return NULL;
}

/* Commits while two readers never stop: the WAL is still restarted past
 * DB_WAL_AUTOCHECKPOINT frames (a RESTART checkpoint waits the readers out; one that
 * gives up is tried again another threshold later), so it stays within a few times
 * that size instead of growing with every commit. */
/* The checkpoint sequence number in the header of WAL file path (bytes 12-15, big-endian):
 * SQLite counts each time the WAL starts again from its beginning. 0 when there is none. */
static unsigned long wal_restarts(const char *path)
{
	unsigned char h[4] = {0};
	FILE *f = fopen(path, "rb");
	if (f && (fseek(f, 12, SEEK_SET) != 0 || fread(h, 1, 4, f) != 4))
		memset(h, 0, sizeof h);
	if (f)
		fclose(f);
	return (unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 | (unsigned long)h[2] << 8 | h[3];
}

static void a_wal_read_all_the_time_is_still_restarted(void)
{
	setenv("DB_WAL_AUTOCHECKPOINT", "100", 1);
	struct db *db = db_open("payments");
	CHECK(db && sqlite3_exec(db->h, "CREATE TABLE IF NOT EXISTS ckpt_probe(n INTEGER, body BLOB)", NULL, NULL, NULL) == 0);
	char path[PATH_MAX + 8];
	config_db_path("payments", path, sizeof path - 4);
	strcat(path, "-wal");
	unsigned long restarts = wal_restarts(path);
	struct reader r = {0};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, keep_reading, &r);
	for (int i = 0; db && i < 1500; i++) {
		sqlite3_stmt *st = db_prep(db, "INSERT INTO ckpt_probe(n, body) VALUES (?, zeroblob(5000))");
		sqlite3_bind_int(st, 1, i);
		if (db_begin(db) || db_run(st) != SQLITE_DONE || db_commit(db)) {
			CHECK(!"commit");
			db_rollback(db);
			break;
		}
	}
	r.stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	struct stat wal;
	CHECK(stat(path, &wal) == 0);
	restarts = wal_restarts(path) - restarts;
	fprintf(stderr, "    1500 commits of ~3 pages, %lld reads beside them: the WAL started again %lu times, "
	        "is %lld KB\n", r.reads, restarts, (long long)wal.st_size / 1024);
	CHECK(r.reads > 20);
	/* 1500 commits wrote ~18 MB of frames, 45 thresholds. Readers can starve a RESTART
	 * (each new read joining a slot the other still holds), so some tries give up and the
	 * WAL grows by another threshold each time: 0.8-3.2 MB and 18-43 restarts in 30 runs
	 * on a machine of fast commits. PASSIVE (the negative control) left 19.6 MB there with
	 * 0 restarts, 3.6-10.4 MB on a slower machine: the count tells them apart, the size
	 * says the WAL stayed bounded. */
	CHECK(restarts >= 10);
	CHECK(wal.st_size < 12 * 100 * 4120);
	db_close(db);
	unsetenv("DB_WAL_AUTOCHECKPOINT");
}

/* One row in messages' probe table, committed on db; 0 or -1. */
static int commit_probe_row(struct db *db)
{
	if (db_begin(db) || db_run(db_prep(db, "INSERT INTO header_probe DEFAULT VALUES")) != SQLITE_DONE ||
	    db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Two connections to messages.db with the header_probe table: 0, or -1 (checked, closed). */
static int probe_pair(struct db **reader, struct db **writer)
{
	*reader = db_open("messages");
	*writer = db_open("messages");
	CHECK(*reader && *writer);
	if (!*reader || !*writer) {
		db_close(*reader);
		db_close(*writer);
		return -1;
	}
	CHECK(sqlite3_exec((*writer)->h, "CREATE TABLE IF NOT EXISTS header_probe(n INTEGER PRIMARY KEY)", NULL, NULL,
	                   NULL) == SQLITE_OK);
	return 0;
}

/* db_wal_unchanged, the worker's look before PRAGMA data_version: "unchanged" only
 * while nothing was committed; a commit by another connection, by another process, or
 * one that restarted the WAL (a checkpoint every 10 frames here) is seen at once. */
static void every_commit_changes_the_wal_header(void)
{
	setenv("DB_WAL_AUTOCHECKPOINT", "10", 1);
	struct db *reader, *writer;
	if (probe_pair(&reader, &writer))
		return;
	unsigned char seen[DB_WAL_HEADER] = {0};
	CHECK(!db_wal_unchanged(reader, seen)); /* the first look */
	CHECK(db_wal_unchanged(reader, seen));
	int missed = 0, invented = 0;
	for (int i = 0; i < 100; i++) {
		CHECK(commit_probe_row(writer) == 0);
		missed += db_wal_unchanged(reader, seen);
		invented += !db_wal_unchanged(reader, seen);
	}
	CHECK(missed == 0 && invented == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct db *db = db_open("messages");
		_exit(db && commit_probe_row(db) == 0 ? 0 : 1);
	}
	int status = 1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!db_wal_unchanged(reader, seen)); /* another process's commit */
	CHECK(db_wal_unchanged(reader, seen));
	db_close(reader);
	db_close(writer);
	unsetenv("DB_WAL_AUTOCHECKPOINT");
}

/* db_rows_json_cached answers the same key from its copy (without stepping) until a
 * commit, from this connection, another one or another process; another key, or another
 * bound value under its own key, is read afresh. */
static void kept_rows_last_until_a_commit(void)
{
	struct db *reader, *writer;
	if (probe_pair(&reader, &writer))
		return;
	CHECK(commit_probe_row(writer) == 0);
	static const char sql[] = "SELECT n AS id, (SELECT count(*) FROM header_probe) AS rows FROM header_probe "
	                          "WHERE n >= ?1 ORDER BY n LIMIT 3";
	char *first = NULL, *again = NULL;
	long long last = -1;
	int more = -1;
	struct buf got = {0};
	sqlite3_stmt *st = db_prep(reader, sql);
	sqlite3_bind_int(st, 1, 1);
	CHECK(db_rows_json_cached(reader, "probe 1", st, &got, 2, "id", &last, &more) >= 1);
	first = strdup(buf_str(&got));
	buf_reset(&got);
	st = db_prep(reader, sql);
	sqlite3_bind_int(st, 1, 1);
	long long last2 = -1;
	int more2 = -1;
	int runs = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0);
	CHECK(db_rows_json_cached(reader, "probe 1", st, &got, 2, "id", &last2, &more2) >= 1);
	CHECK(strcmp(buf_str(&got), first) == 0 && last2 == last && more2 == more);
	CHECK(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0) == runs); /* not stepped */
	CHECK(sqlite3_stmt_busy(st) == 0); /* reset: holds no snapshot */
	int committers = 0;
	for (int round = 0; round < 3; round++) { /* another connection, this one, another process */
		if (round == 0) {
			CHECK(commit_probe_row(writer) == 0);
		} else if (round == 1) {
			CHECK(commit_probe_row(reader) == 0);
		} else {
			pid_t pid = fork();
			if (pid == 0) {
				struct db *db = db_open("messages");
				_exit(db && commit_probe_row(db) == 0 ? 0 : 1);
			}
			int status = 1;
			waitpid(pid, &status, 0);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
		committers++;
		buf_reset(&got);
		st = db_prep(reader, sql);
		sqlite3_bind_int(st, 1, 1);
		CHECK(db_rows_json_cached(reader, "probe 1", st, &got, 2, "id", &last2, &more2) == 2);
		free(again);
		again = strdup(buf_str(&got));
		CHECK(strcmp(again, first) != 0); /* the count of rows moved: read afresh */
		free(first);
		first = strdup(again);
	}
	CHECK(committers == 3);
	buf_reset(&got); /* another key, same statement: its own rows */
	st = db_prep(reader, sql);
	sqlite3_bind_int(st, 1, 2);
	CHECK(db_rows_json_cached(reader, "probe 2", st, &got, 1, NULL, NULL, &more2) == 1 && more2 == 1);
	CHECK(strncmp(buf_str(&got), "[{\"id\":2,", 9) == 0);
	buf_free(&got);
	free(first);
	free(again);
	db_close(reader);
	db_close(writer);
}

int main(void)
{
	sandbox = unit_sandbox();
	log_init("test_db");
	snprintf(root, sizeof root, "%s", getenv("ROOMBOOK_ROOT"));
	setenv("ROOMBOOK_ROOT", sandbox, 1); /* read once, on the first db_open */
	fresh_schema("none");
	unsetenv("DB_SYNCHRONOUS");
	RUN(acknowledged_state_is_durable_by_default);
	RUN(synchronous_can_be_chosen_for_all_or_one);
	RUN(concurrent_commits_share_one_fdatasync);
	RUN(the_durable_mark_spares_the_worker_a_sync);
	RUN(opening_a_migrated_database_writes_nothing);
	RUN(an_edited_migration_refuses_to_open);
	RUN(hashes_missing_from_before_are_recorded);
	RUN(reservations_migrated_from_the_first_002_catch_up);
	RUN(rows_as_text_are_jansson_s_bytes);
	RUN(a_killed_writer_loses_nothing_acknowledged);
	RUN(a_wal_read_all_the_time_is_still_restarted);
	RUN(every_commit_changes_the_wal_header);
	RUN(kept_rows_last_until_a_commit);
	unit_sandbox_remove(sandbox);
	UNIT_END();
}
