/* test_db.c — the database layer: how durable each service's commits are by default
 * and when overridden, and migrations recorded by hash: an edited one refuses to open,
 * hashes of migrations applied before hashes existed are recorded, and a database
 * migrated from the first version of reservations/002 catches up; the durable mark the
 * worker reads instead of syncing a source again. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
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
	unit_sandbox_remove(sandbox);
	UNIT_END();
}
