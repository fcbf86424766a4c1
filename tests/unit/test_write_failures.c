/* test_write_failures.c — a write that fails inside a rooms transaction (made to fail
 * by a trigger that RAISE(ABORT)s, as a full disk or an I/O error would) rolls the
 * whole request back and answers 503: no half-written review, hold or counters, no
 * event in the outbox, and never an answer that pretends the request was refused. */
#include <string.h>

#include "log.h"
#include "services.h"
#include "unit.h"
#include "unit_stack.h"

static struct db *db;

/* Runs sql on the test's connection (a trigger to create or drop). */
static void sql(const char *text)
{
	char *err = NULL;
	if (sqlite3_exec(db->h, text, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "  %s: %s\n", text, err ? err : "?");
		unit_failed_checks++;
	}
	sqlite3_free(err);
}

/* Makes every `op` (INSERT, UPDATE, DELETE) on table fail until heal(). */
static void break_writes(const char *op, const char *table)
{
	char text[256];
	snprintf(text, sizeof text, "CREATE TRIGGER broken BEFORE %s ON %s BEGIN "
	                            "SELECT RAISE(ABORT, 'disk trouble (test)'); END", op, table);
	sql(text);
}

static void heal(void) { sql("DROP TRIGGER IF EXISTS broken"); }

static int call(const char *method, const char *target, const char *body, int internal, long long *id)
{
	struct exchange ex;
	int status = exchange_run(&ex, &rooms_service, db, method, target, body, internal);
	if (id)
		*id = exchange_int(&ex, "id");
	exchange_free(&ex);
	return status;
}

static long long count(const char *query, long long arg)
{
	long long n = -1;
	sqlite3_stmt *st = db_prep(db, query);
	sqlite3_bind_int64(st, 1, arg);
	db_scalar_int(st, &n);
	return n;
}

static long long outbox_rows(void) { return count("SELECT count(*) + 0 * ? FROM outbox", 0); }

/* The room's review count and rating sum as one number, to see that neither moved. */
static long long counters(long long room)
{
	return count("SELECT review_cnt * 1000000 + rated_cnt * 1000 + rating_sum FROM room WHERE id = ?", room);
}

/* A room with a stay of account 1 that ended (so it may be reviewed), for reservation. */
static long long room_with_past_stay(long long reservation)
{
	long long room = 0;
	char body[256];
	CHECK(call("POST", "/rooms", "{\"name\":\"Reviewed\",\"capacity\":2,\"price\":1000}", 0, &room) == 201);
	snprintf(body, sizeof body, "{\"reservationId\":%lld,\"roomId\":%lld,\"checkIn\":\"2020-03-01\","
	                            "\"nights\":2,\"guests\":1,\"accountId\":1}", reservation, room);
	CHECK(call("POST", "/internal/holds", body, 1, NULL) == 201);
	return room;
}

/* First of all: the first claim of a key in this thread also prunes expired keys. */
static void a_failed_prune_of_expired_keys_books_nothing(void)
{
	long long rooms = count("SELECT count(*) + 0 * ? FROM room", 0), events = outbox_rows();
	sql("INSERT INTO idempotency(key, fingerprint, state, created_at) "
	    "VALUES ('expired', 'x', 'done', '2001-01-01T00:00:00.000Z')");
	break_writes("DELETE", "idempotency");
	unit_idempotency_key = "prune-fails";
	CHECK(call("POST", "/rooms", "{\"name\":\"Keyed\",\"capacity\":1,\"price\":1}", 0, NULL) == 503);
	heal();
	CHECK(count("SELECT count(*) + 0 * ? FROM room", 0) == rooms);
	CHECK(count("SELECT count(*) FROM idempotency WHERE key <> 'expired' AND ? = 0", 0) == 0);
	CHECK(outbox_rows() == events);
	/* Healed, the thread's next prune (its 256th claim) deletes the expired key and
	 * nothing younger. The claims are refused bodies: they book nothing. */
	char key[32];
	for (int i = 1; i <= 256; i++) {
		snprintf(key, sizeof key, "refused-%d", i);
		unit_idempotency_key = key;
		CHECK(call("POST", "/rooms", "{}", 0, NULL) == 422);
		CHECK(count("SELECT count(*) FROM idempotency WHERE key = 'expired' AND ? = 0", 0) == (i < 256));
	}
	CHECK(count("SELECT count(*) FROM idempotency WHERE key LIKE '%\xc2\xa7refused-%' AND ? = 0", 0) == 256);
	CHECK(count("SELECT count(*) + 0 * ? FROM room", 0) == rooms);
	/* A key past its lifetime is unused whether or not a prune ran (this thread's next is
	 * 255 claims away): sent again with another body it is not refused but answered anew,
	 * and remembered with the new body. */
	sql("INSERT INTO idempotency(key, fingerprint, state, status, body, created_at) "
	    "VALUES ('1\xc2\xa7" "aged', 'x', 'done', 201, '{}', '2001-01-01T00:00:00.000Z')");
	unit_idempotency_key = "aged";
	CHECK(call("POST", "/rooms", "{\"name\":\"Aged\",\"capacity\":1,\"price\":1}", 0, NULL) == 201);
	CHECK(count("SELECT count(*) FROM idempotency WHERE key = '1\xc2\xa7" "aged' AND fingerprint <> 'x' "
	            "AND status = 201 AND created_at > '2002' AND ? = 0", 0) == 1);
}

static void a_hold_whose_capacity_row_cannot_be_written_is_503_not_sold_out(void)
{
	long long room = 0;
	CHECK(call("POST", "/rooms", "{\"name\":\"Hall\",\"capacity\":5,\"price\":100}", 0, &room) == 201);
	long long events = outbox_rows();
	char body[256];
	snprintf(body, sizeof body, "{\"reservationId\":7001,\"roomId\":%lld,\"checkIn\":\"2031-01-01\","
	                            "\"nights\":3,\"guests\":1}", room);
	break_writes("INSERT", "capacity");
	CHECK(call("POST", "/internal/holds", body, 1, NULL) == 503);
	heal();
	CHECK(count("SELECT count(*) FROM hold WHERE reservation_id = ?", 7001) == 0);
	CHECK(count("SELECT count(*) FROM capacity WHERE room_id = ?", room) == 0);
	CHECK(outbox_rows() == events);
	CHECK(call("POST", "/internal/holds", body, 1, NULL) == 201); /* healed: the retry holds */
}

static void a_review_that_cannot_be_stored_changes_nothing(void)
{
	long long room = room_with_past_stay(7101), events = outbox_rows(), before = counters(room);
	break_writes("INSERT", "review");
	char target[64];
	snprintf(target, sizeof target, "/rooms/%lld/reviews", room);
	CHECK(call("POST", target, "{\"rating\":4,\"content\":\"Quiet\"}", 0, NULL) == 503);
	heal();
	CHECK(count("SELECT count(*) FROM review WHERE room_id = ?", room) == 0);
	CHECK(counters(room) == before);
	CHECK(outbox_rows() == events);
	break_writes("UPDATE", "room"); /* the counters themselves: 503, not "no such room" */
	CHECK(call("POST", target, "{\"rating\":4,\"content\":\"Quiet\"}", 0, NULL) == 503);
	heal();
	CHECK(outbox_rows() == events);
	CHECK(call("POST", target, "{\"rating\":4,\"content\":\"Quiet\"}", 0, NULL) == 201);
}

static void a_review_that_cannot_be_deleted_stays_whole(void)
{
	long long room = room_with_past_stay(7201), review = 0;
	char target[64];
	snprintf(target, sizeof target, "/rooms/%lld/reviews", room);
	CHECK(call("POST", target, "{\"rating\":5,\"content\":\"Lovely\"}", 0, &review) == 201);
	long long events = outbox_rows(), before = counters(room);
	snprintf(target, sizeof target, "/reviews/%lld", review);
	break_writes("DELETE", "review");
	CHECK(call("DELETE", target, NULL, 0, NULL) == 503);
	heal();
	CHECK(count("SELECT count(*) FROM review WHERE id = ?", review) == 1);
	CHECK(counters(room) == before);
	CHECK(outbox_rows() == events);
	break_writes("UPDATE", "room");
	CHECK(call("DELETE", target, NULL, 0, NULL) == 503);
	heal();
	CHECK(count("SELECT count(*) FROM review WHERE id = ?", review) == 1);
	CHECK(counters(room) == before);
	CHECK(call("DELETE", target, NULL, 0, NULL) == 204);
	CHECK(counters(room) == before - 1000000 - 1000 - 5);
}

static void a_room_that_cannot_be_deleted_is_503_not_missing(void)
{
	long long room = 0;
	CHECK(call("POST", "/rooms", "{\"name\":\"Gone\",\"capacity\":1,\"price\":1}", 0, &room) == 201);
	char target[64];
	snprintf(target, sizeof target, "/rooms/%lld", room);
	long long events = outbox_rows();
	break_writes("UPDATE", "room");
	CHECK(call("DELETE", target, NULL, 0, NULL) == 503);
	heal();
	CHECK(outbox_rows() == events);
	CHECK(call("GET", target, NULL, 0, NULL) == 200);
}

int main(void)
{
	const char *sandbox = unit_sandbox();
	log_init("test_write_failures");
	db = db_open("rooms");
	if (!db) {
		fprintf(stderr, "cannot open the rooms database in %s\n", sandbox);
		return 2;
	}
	fprintf(stderr, "  (ERROR lines about 'disk trouble (test)' are expected)\n");
	RUN(a_failed_prune_of_expired_keys_books_nothing); /* first: see its comment */
	RUN(a_hold_whose_capacity_row_cannot_be_written_is_503_not_sold_out);
	RUN(a_review_that_cannot_be_stored_changes_nothing);
	RUN(a_review_that_cannot_be_deleted_stays_whole);
	RUN(a_room_that_cannot_be_deleted_is_503_not_missing);
	db_close(db);
	unit_sandbox_remove(sandbox);
	UNIT_END();
}
