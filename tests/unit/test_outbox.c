/* test_outbox.c — event_record: an event exists exactly when its transaction commits,
 * with a uuid, a sequence per aggregate, the request id as correlation and the causing
 * event as causation. */
#include <ctype.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "unit.h"
#include "unit_stack.h"

static struct db *db;

static long long count_rows(const char *aggregate_type)
{
	long long n = -1;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM outbox WHERE aggregate_type = ?");
	db_bind_text(st, 1, aggregate_type);
	db_scalar_int(st, &n);
	return n;
}

/* Records one event in its own transaction; commits or rolls back. Returns 0 or -1. */
static int record(const char *aggregate_type, long long id, const char *type, int commit)
{
	if (db_begin(db))
		return -1;
	int rc = event_record(db, aggregate_type, id, type, json_pack("{s:I}", "n", (json_int_t)id));
	if (commit)
		rc |= db_commit(db);
	else
		db_rollback(db);
	return rc;
}

static int is_uuid_v4(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
			return 0;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* One outbox row as JSON (the last of the aggregate when seq is 0). New reference or NULL. */
static json_t *row(const char *aggregate_type, long long id, long long seq)
{
	sqlite3_stmt *st = db_prep(db, "SELECT event_id, type, seq, correlation_id, causation_id, data, "
	                               "occurred_at FROM outbox WHERE aggregate_type = ?1 AND aggregate_id = ?2 "
	                               "AND (?3 = 0 OR seq = ?3) ORDER BY id DESC LIMIT 1");
	db_bind_text(st, 1, aggregate_type);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, seq);
	json_t *r = sqlite3_step(st) == SQLITE_ROW ? db_row_json(st) : NULL;
	db_done(st);
	return r;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void rolled_back_event_leaves_no_row(void)
{
	CHECK(record("Rollback", 1, "Tried", 0) == 0);
	CHECK(count_rows("Rollback") == 0);
	/* and burns no sequence number: the first committed event is still seq 1 */
	CHECK(record("Rollback", 1, "Done", 1) == 0);
	json_t *r = row("Rollback", 1, 0);
	CHECK(r && json_integer_value(json_object_get(r, "seq")) == 1);
	CHECK(count_rows("Rollback") == 1);
	json_decref(r);
}

static void committed_event_is_stored_whole(void)
{
	log_set_request_id("rid-outbox-1");
	event_set_cause(NULL);
	CHECK(record("Whole", 5, "Happened", 1) == 0);
	json_t *r = row("Whole", 5, 0);
	CHECK(r != NULL);
	CHECK(is_uuid_v4(str(r, "event_id")));
	CHECK(strcmp(str(r, "type"), "Happened") == 0);
	CHECK(strcmp(str(r, "correlation_id"), "rid-outbox-1") == 0);
	CHECK(json_is_null(json_object_get(r, "causation_id")));
	CHECK(strcmp(str(r, "data"), "{\"n\":5}") == 0);
	CHECK(strlen(str(r, "occurred_at")) == 24 && str(r, "occurred_at")[23] == 'Z');
	json_decref(r);
	log_set_request_id(NULL);
}

static void seq_counts_per_aggregate(void)
{
	for (int i = 0; i < 3; i++)
		CHECK(record("Seq", 7, "Step", 1) == 0);
	CHECK(record("Seq", 8, "Step", 1) == 0);
	CHECK(record("Other", 7, "Step", 1) == 0); /* same id, another aggregate type */
	for (long long seq = 1; seq <= 3; seq++) {
		json_t *r = row("Seq", 7, seq);
		CHECK(r != NULL);
		json_decref(r);
	}
	json_t *last = row("Seq", 7, 0), *eight = row("Seq", 8, 0), *other = row("Other", 7, 0);
	CHECK(json_integer_value(json_object_get(last, "seq")) == 3);
	CHECK(json_integer_value(json_object_get(eight, "seq")) == 1);
	CHECK(json_integer_value(json_object_get(other, "seq")) == 1);
	json_decref(last);
	json_decref(eight);
	json_decref(other);
}

static void several_events_in_one_transaction_keep_order(void)
{
	CHECK(db_begin(db) == 0);
	for (int i = 0; i < 3; i++)
		CHECK(event_record(db, "Batch", 1, "Part", json_pack("{s:i}", "i", i)) == 0);
	CHECK(db_commit(db) == 0);
	sqlite3_stmt *st = db_prep(db, "SELECT group_concat(seq || ':' || json_extract(data, '$.i'), ',') "
	                               "FROM (SELECT seq, data FROM outbox WHERE aggregate_type = 'Batch' ORDER BY id)");
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK(strcmp((const char *)sqlite3_column_text(st, 0), "1:0,2:1,3:2") == 0);
	db_done(st);
}

static void causation_is_the_event_being_handled(void)
{
	char cause[37];
	event_uuid(cause);
	log_set_request_id("rid-from-the-booking");
	event_set_cause(cause);
	CHECK(record("Caused", 1, "Reaction", 1) == 0);
	json_t *r = row("Caused", 1, 0);
	CHECK(strcmp(str(r, "causation_id"), cause) == 0);
	CHECK(strcmp(str(r, "correlation_id"), "rid-from-the-booking") == 0);
	json_decref(r);
	event_set_cause(NULL);
	log_set_request_id(NULL);
	CHECK(record("Caused", 2, "Spontaneous", 1) == 0);
	r = row("Caused", 2, 0);
	CHECK(json_is_null(json_object_get(r, "causation_id")));
	/* with no request id the event correlates with itself */
	CHECK(strcmp(str(r, "correlation_id"), str(r, "event_id")) == 0);
	json_decref(r);
}

static void event_ids_are_unique_uuids(void)
{
	char a[37], b[37];
	for (int i = 0; i < 100; i++) {
		event_uuid(a);
		event_uuid(b);
		CHECK(is_uuid_v4(a) && is_uuid_v4(b) && strcmp(a, b) != 0);
	}
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) - count(DISTINCT event_id) FROM outbox");
	long long dup = -1;
	db_scalar_int(st, &dup);
	CHECK(dup == 0);
}

static void event_json_has_the_public_shape(void)
{
	json_t *data = json_pack("{s:i}", "reservationId", 9);
	struct event ev = {.pos = 1, .source = "rooms", .event_id = "e1", .type = "CapacityHeld",
	                   .aggregate_type = "Room", .aggregate_id = 3, .seq = 2,
	                   .occurred_at = "2030-01-01T00:00:00.000Z", .correlation_id = "rid",
	                   .causation_id = NULL, .data = data};
	json_t *j = event_json(&ev);
	CHECK(strcmp(str(j, "eventId"), "e1") == 0 && strcmp(str(j, "aggregateType"), "Room") == 0);
	CHECK(json_integer_value(json_object_get(j, "aggregateId")) == 3);
	CHECK(json_integer_value(json_object_get(j, "seq")) == 2);
	CHECK(json_is_null(json_object_get(j, "causationId")));
	CHECK(json_object_get(j, "data") == data); /* shared, not copied */
	json_decref(j);
	json_decref(data);
}

int main(void)
{
	const char *dir = unit_sandbox();
	log_init("test_outbox");
	db = db_open("rooms");
	if (!db) {
		fprintf(stderr, "cannot open a database in %s\n", dir);
		return 2;
	}
	RUN(rolled_back_event_leaves_no_row);
	RUN(committed_event_is_stored_whole);
	RUN(seq_counts_per_aggregate);
	RUN(several_events_in_one_transaction_keep_order);
	RUN(causation_is_the_event_being_handled);
	RUN(event_ids_are_unique_uuids);
	RUN(event_json_has_the_public_shape);
	db_close(db);
	unit_sandbox_remove(dir);
	UNIT_END();
}
