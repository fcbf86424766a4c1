/* audit.c — the cross-service audit: reads every service's database read-only (each one
 * ATTACHed with file:...?mode=ro, so SQLite opens it with SQLITE_OPEN_READONLY) on a
 * running or stopped system and checks the invariants that span services: capacity and
 * holds, what each reservation status implies in payments, tickets and messages, the
 * saga timeout, Idempotency-Keys, the mypage projection, consumer lag, dead letters and
 * PRAGMA integrity_check. One line per invariant, a summary, exit 0 only when nothing
 * failed.
 *   audit [--wait SECONDS] [--strict]
 * Effects of events still in flight are not breaches: the audit first waits (up to
 * --wait, default 10 s) for every consumer to reach its sources' outbox heads; whatever
 * is still behind is reported as `behind` (a failure only with --strict), and the
 * reservations and rooms those pending events concern are skipped by the checks. */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit_invariants.h"
#include "lib/config.h"

#define MAX_IDS_SHOWN 8
#define MAX_STREAMS 48
#define SETTLE_MARGIN_MS 5000 /* beyond SAGA_TIMEOUT_MS + RECOVERY_INTERVAL_MS */

/* The databases, in the order the audit's read transaction first touches them: a consumer
 * before the sources it consumes, so a snapshot never holds an effect whose cause is
 * newer than the cause's own snapshot (a later event is past the consumer's offset and
 * marks what it concerns as in flight). */
static const char *const databases[] = {"mypage",   "tickets",      "messages", "rooms",
                                        "payments", "reservations", "accounts"};
#define NDB (sizeof databases / sizeof *databases)

/* Who consumes whose outbox (the services' subscription tables, as of this writing). Any
 * other pair found in a database's consumer_offset is audited as well. */
static const char *const known_streams[][2] = {
	{"rooms", "reservations"},    {"reservations", "rooms"},   {"reservations", "payments"},
	{"reservations", "tickets"},  {"payments", "reservations"}, {"tickets", "reservations"},
	{"messages", "reservations"}, {"mypage", "rooms"},         {"mypage", "reservations"},
	{"mypage", "payments"},       {"mypage", "tickets"},       {"mypage", "messages"},
};

struct stream {
	char consumer[32], source[32];
	long long position, head;
};

struct audit {
	sqlite3 *db;
	struct stream streams[MAX_STREAMS];
	int nstreams, strict;
	int ok, failed, behind;
};

/* ---- small SQLite helpers ---- */

static sqlite3_stmt *prep(struct audit *a, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "audit: %s\n  in: %s\n", sqlite3_errmsg(a->db), sql);
		return NULL;
	}
	return st;
}

/* The integer the first row of sql gives (one text parameter ?1 when p1 is not NULL),
 * or -1 when there is no row or the query fails. */
static long long scalar(struct audit *a, const char *sql, const char *p1)
{
	sqlite3_stmt *st = prep(a, sql);
	long long v = -1;
	if (!st)
		return -1;
	if (p1)
		sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int exec(struct audit *a, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(a->db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	fprintf(stderr, "audit: %s\n  in: %.200s\n", err ? err : "?", sql);
	sqlite3_free(err);
	return -1;
}

/* Opens an in-memory connection (for the audit's own temporary tables) and ATTACHes
 * every service database read-only under its service name. Returns 0, or -1 (said why). */
static int audit_open(struct audit *a)
{
	if (sqlite3_open_v2(":memory:", &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(a->db, 5000);
	for (size_t i = 0; i < NDB; i++) {
		char path[4096], uri[8192];
		config_db_path(databases[i], path, sizeof path);
		config_uri_path(path, uri, sizeof uri - 16);
		strcat(uri, "?mode=ro");
		char *sql = sqlite3_mprintf("ATTACH 'file:%q' AS \"%w\"", uri, databases[i]);
		int rc = exec(a, sql);
		sqlite3_free(sql);
		if (rc || sqlite3_db_readonly(a->db, databases[i]) != 1) {
			fprintf(stderr, "audit: cannot open %s read-only\n", path);
			return -1;
		}
	}
	return 0;
}

/* ---- consumers and their lag ---- */

static void stream_add(struct audit *a, const char *consumer, const char *source)
{
	for (int i = 0; i < a->nstreams; i++)
		if (strcmp(a->streams[i].consumer, consumer) == 0 && strcmp(a->streams[i].source, source) == 0)
			return;
	if (a->nstreams == MAX_STREAMS)
		return;
	struct stream *s = &a->streams[a->nstreams++];
	snprintf(s->consumer, sizeof s->consumer, "%s", consumer);
	snprintf(s->source, sizeof s->source, "%s", source);
}

static int is_database(const char *name)
{
	for (size_t i = 0; i < NDB; i++)
		if (strcmp(databases[i], name) == 0)
			return 1;
	return 0;
}

/* The known streams, and any other (consumer, source) pair a consumer_offset table holds. */
static void streams_find(struct audit *a)
{
	for (size_t i = 0; i < sizeof known_streams / sizeof *known_streams; i++)
		stream_add(a, known_streams[i][0], known_streams[i][1]);
	for (size_t i = 0; i < NDB; i++) {
		char *sql = sqlite3_mprintf("SELECT source FROM \"%w\".consumer_offset ORDER BY source", databases[i]);
		sqlite3_stmt *st = prep(a, sql);
		sqlite3_free(sql);
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			const char *source = (const char *)sqlite3_column_text(st, 0);
			if (source && is_database(source))
				stream_add(a, databases[i], source);
		}
		sqlite3_finalize(st);
	}
}

/* Touches every database in `databases` order so that each one's snapshot is taken in
 * that order, inside the caller's read transaction. */
static int snapshot_take(struct audit *a)
{
	for (size_t i = 0; i < NDB; i++) {
		char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\".sqlite_schema", databases[i]);
		long long n = scalar(a, sql, NULL);
		sqlite3_free(sql);
		if (n < 0)
			return -1;
	}
	return 0;
}

/* Reads every stream's offset and its source's outbox head (in the current snapshot);
 * returns how many streams are behind. */
static int lag_read(struct audit *a)
{
	int behind = 0;
	for (int i = 0; i < a->nstreams; i++) {
		struct stream *s = &a->streams[i];
		char *sql = sqlite3_mprintf("SELECT coalesce((SELECT position FROM \"%w\".consumer_offset "
		                            "WHERE source = ?1), 0)", s->consumer);
		s->position = scalar(a, sql, s->source);
		sqlite3_free(sql);
		sql = sqlite3_mprintf("SELECT coalesce(max(id), 0) FROM \"%w\".outbox", s->source);
		s->head = scalar(a, sql, NULL);
		sqlite3_free(sql);
		behind += s->position < s->head;
	}
	return behind;
}

/* Waits up to wait_s seconds for every consumer to reach its sources' heads. */
static void drain_wait(struct audit *a, double wait_s)
{
	long long deadline = config_mono_ms() + (long long)(wait_s * 1000);
	for (;;) {
		int behind = exec(a, "BEGIN") == 0 && snapshot_take(a) == 0 ? lag_read(a) : 1;
		exec(a, "COMMIT");
		if (!behind || config_mono_ms() >= deadline)
			return;
		struct timespec pause = {0, 100 * 1000000L};
		nanosleep(&pause, NULL);
	}
}

/* The lowest offset any consumer holds in source (its head when none consumes it). */
static long long source_min(struct audit *a, const char *source)
{
	long long min = -1;
	for (int i = 0; i < a->nstreams; i++)
		if (strcmp(a->streams[i].source, source) == 0 && (min < 0 || a->streams[i].position < min))
			min = a->streams[i].position;
	return min < 0 ? 0x7fffffffffffffffLL : min;
}

/* ---- what is in flight ---- */

/* Fills the temporary tables the checks read: inflight (reservations still requested, or
 * concerned by an event some consumer has not applied yet), room_inflight (rooms with
 * an event mypage has not applied yet), s (every other reservation: the settled ones the
 * checks judge), and msg (messages per reservation and kind). Inside the snapshot. */
static int inflight_fill(struct audit *a)
{
	char *sql = sqlite3_mprintf(
		"CREATE TEMP TABLE inflight(id INTEGER PRIMARY KEY);"
		"CREATE TEMP TABLE room_inflight(id INTEGER PRIMARY KEY);"
		"INSERT OR IGNORE INTO inflight SELECT id FROM reservations.reservation WHERE status = 'requested';"
		"INSERT OR IGNORE INTO inflight SELECT aggregate_id FROM reservations.outbox "
		" WHERE aggregate_type = 'Reservation' AND id > %lld;"
		"INSERT OR IGNORE INTO inflight SELECT json_extract(data, '$.reservationId') FROM payments.outbox "
		" WHERE id > %lld AND json_extract(data, '$.reservationId') IS NOT NULL;"
		"INSERT OR IGNORE INTO inflight SELECT json_extract(data, '$.reservationId') FROM tickets.outbox "
		" WHERE id > %lld AND json_extract(data, '$.reservationId') IS NOT NULL;"
		"INSERT OR IGNORE INTO inflight SELECT json_extract(data, '$.reservationId') FROM messages.outbox "
		" WHERE id > %lld AND json_extract(data, '$.reservationId') IS NOT NULL;"
		"INSERT OR IGNORE INTO inflight SELECT r.id FROM reservations.reservation r JOIN rooms.outbox o "
		" ON o.type = 'RoomDeleted' AND o.aggregate_id = r.room_id WHERE o.id > %lld;"
		"INSERT OR IGNORE INTO room_inflight SELECT aggregate_id FROM rooms.outbox "
		" WHERE aggregate_type = 'Room' AND id > %lld;"
		"CREATE TEMP TABLE s AS SELECT * FROM reservations.reservation "
		" WHERE status <> 'requested' AND id NOT IN (SELECT id FROM inflight);"
		/* keyed by id: the checks look reservations up in it (unkeyed, each lookup
		 * scanned it: minutes for tens of thousands of reservations) */
		"CREATE TEMP TABLE msg(id INTEGER PRIMARY KEY, n, conf, canc, force, failed);"
		"INSERT INTO msg SELECT reservation_id, count(*), sum(kind = 'confirmation'), "
		" sum(kind = 'cancellation'), sum(kind = 'force_cancellation'), sum(kind = 'booking_failed') "
		" FROM messages.message "
		" GROUP BY reservation_id;",
		source_min(a, "reservations"), source_min(a, "payments"), source_min(a, "tickets"),
		source_min(a, "messages"), source_min(a, "rooms"), source_min(a, "rooms"));
	int rc = exec(a, sql);
	sqlite3_free(sql);
	return rc;
}

/* ---- running them ---- */

/* Prints one invariant's line: `ok   name  counts`, or `FAIL name  counts bad=N  ids`
 * with the first offenders, or with a `behind` verdict. Counts it. */
static void verdict(struct audit *a, const char *name, const char *counts, long long bad, const char *ids,
                    const char *failing_word)
{
	const char *word = bad ? failing_word : "ok";
	if (!bad)
		a->ok++;
	else if (strcmp(word, "FAIL") == 0)
		a->failed++;
	else
		a->behind++;
	if (bad)
		printf("%-4s %-36s %s bad=%lld  %s\n", word, name, counts, bad, ids);
	else
		printf("%-4s %-36s %s\n", word, name, counts);
}

/* Appends text to the list of shown offenders (the first MAX_IDS_SHOWN, then "..."). */
static void ids_add(char *ids, size_t size, long long n, const char *text)
{
	size_t len = strlen(ids);
	if (n < MAX_IDS_SHOWN)
		snprintf(ids + len, size - len, "%s%s", len ? "," : "", text);
	else if (n == MAX_IDS_SHOWN)
		snprintf(ids + len, size - len, ",...");
}

/* Runs sql (binding ?1 to limit_ms and ?2 to the Idempotency-Key lifetime in s when it
 * has parameters): the row count and the first few first-column values in ids. Returns
 * the count, or -1 when the query failed. */
static long long offenders(struct audit *a, const char *sql, long long limit_ms, char *ids, size_t size)
{
	sqlite3_stmt *st = prep(a, sql);
	long long n = 0;
	ids[0] = '\0';
	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, limit_ms);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, config_idempotency_ttl_s());
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		ids_add(ids, size, n++, v ? v : "NULL");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

static void invariant_run(struct audit *a, const struct invariant *inv, long long limit_ms)
{
	char counts[256], ids[512];
	long long bad = offenders(a, inv->counts, limit_ms, counts, sizeof counts);
	if (bad >= 0)
		bad = offenders(a, inv->breaches, limit_ms, ids, sizeof ids);
	if (bad < 0) {
		verdict(a, inv->name, "", 1, "the query failed (see above)", "FAIL");
		return;
	}
	verdict(a, inv->name, counts, bad, ids, "FAIL");
}

/* consumers.at_head: every stream's offset against its source's head. */
static void lag_report(struct audit *a)
{
	char counts[64], ids[1024] = "";
	long long n = 0;
	for (int i = 0; i < a->nstreams; i++) {
		struct stream *s = &a->streams[i];
		if (s->position >= s->head)
			continue;
		char one[128];
		snprintf(one, sizeof one, "%s<-%s behind by %lld", s->consumer, s->source, s->head - s->position);
		ids_add(ids, sizeof ids, n++, one);
	}
	snprintf(counts, sizeof counts, "streams=%d", a->nstreams);
	verdict(a, "consumers.at_head", counts, n, ids, a->strict ? "FAIL" : "behind");
}

/* dead_letters.none_parked: dead letters of every database not yet replayed. */
static void dead_letters_report(struct audit *a)
{
	char ids[512] = "", counts[64];
	long long n = 0, total = 0;
	for (size_t i = 0; i < NDB; i++) {
		char *sql = sqlite3_mprintf("SELECT id, source, type, state FROM \"%w\".dead_letter ORDER BY id",
		                            databases[i]);
		sqlite3_stmt *st = prep(a, sql);
		sqlite3_free(sql);
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			char one[160];
			total++;
			if (strcmp((const char *)sqlite3_column_text(st, 3), "replayed") == 0)
				continue;
			snprintf(one, sizeof one, "%s:%lld(%s %s)", databases[i], (long long)sqlite3_column_int64(st, 0),
			         sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
			ids_add(ids, sizeof ids, n++, one);
		}
		sqlite3_finalize(st);
	}
	snprintf(counts, sizeof counts, "dead_letters=%lld", total);
	verdict(a, "dead_letters.none_parked", counts, n, ids, "FAIL");
}

/* integrity_check.ok: PRAGMA integrity_check on every database. */
static void integrity_report(struct audit *a)
{
	char ids[512] = "", counts[64];
	long long n = 0;
	for (size_t i = 0; i < NDB; i++) {
		char *sql = sqlite3_mprintf("PRAGMA \"%w\".integrity_check(10)", databases[i]);
		sqlite3_stmt *st = prep(a, sql);
		sqlite3_free(sql);
		int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
		const char *first = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (!first || strcmp(first, "ok") != 0) {
			char one[200];
			snprintf(one, sizeof one, "%s: %.150s", databases[i], first ? first : sqlite3_errmsg(a->db));
			ids_add(ids, sizeof ids, n++, one);
		}
		sqlite3_finalize(st);
	}
	snprintf(counts, sizeof counts, "databases=%zu", NDB);
	verdict(a, "integrity_check.ok", counts, n, ids, "FAIL");
}

/* One read transaction over every database, taken in `databases` order: the lag, what
 * is in flight, every invariant. Returns 0, or -1 when the snapshot could not be read. */
static int audit_run(struct audit *a)
{
	long long limit_ms = config_long("SAGA_TIMEOUT_MS", 10000) + config_long("RECOVERY_INTERVAL_MS", 1000) +
	                     SETTLE_MARGIN_MS;
	if (exec(a, "BEGIN") || snapshot_take(a)) {
		exec(a, "ROLLBACK");
		return -1;
	}
	lag_read(a);
	if (inflight_fill(a)) {
		exec(a, "ROLLBACK");
		return -1;
	}
	for (size_t i = 0; i < audit_ninvariants; i++)
		invariant_run(a, &audit_invariants[i], limit_ms);
	lag_report(a);
	dead_letters_report(a);
	integrity_report(a);
	long long inflight = scalar(a, "SELECT count(*) FROM inflight", NULL);
	exec(a, "COMMIT");
	printf("audit: %d ok, %d failed, %d behind; %lld reservations in flight (not judged)\n", a->ok, a->failed,
	       a->behind, inflight);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: audit [--wait SECONDS] [--strict]\n"
	                "  reads <ROOMBOOK_VAR>/db/*.db read-only and checks the cross-service invariants;\n"
	                "  exit 0 when all hold, 1 on a breach (or lag, with --strict), 2 when it cannot run\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct audit a = {0};
	double wait_s = 10;
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--strict") == 0)
			a.strict = 1;
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc && (wait_s = strtod(argv[++i], &end)) >= 0 &&
		         end && !*end && end != argv[i])
			continue;
		else
			return usage();
	}
	if (config_become_db_owner("audit") || audit_open(&a))
		return 2;
	streams_find(&a);
	drain_wait(&a, wait_s);
	int rc = audit_run(&a);
	sqlite3_close(a.db);
	if (rc)
		return 2;
	return a.failed ? 1 : 0;
}
