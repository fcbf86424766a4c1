/* event.c — the transactional outbox writer. */
#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "config.h"
#include "db.h"
#include "log.h"

static _Thread_local char cause_id[40];

void event_set_cause(const char *event_id) { snprintf(cause_id, sizeof cause_id, "%s", event_id ? event_id : ""); }

void event_uuid(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)(rand() & 0xff);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	         b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int event_record(struct db *db, const char *aggregate_type, long long aggregate_id, const char *type,
                 json_t *data)
{
	char id[37], now[32];
	long long seq = 0;
	event_uuid(id);
	config_now(now);
	sqlite3_stmt *st = db_prep(db, "INSERT INTO aggregate_seq(aggregate_type, aggregate_id, seq) "
	                               "VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET seq = seq + 1 RETURNING seq");
	db_bind_text(st, 1, aggregate_type);
	sqlite3_bind_int64(st, 2, aggregate_id);
	if (db_scalar_int(st, &seq) != 1) {
		json_decref(data);
		log_error("outbox: sequence for %s %lld: %s", aggregate_type, aggregate_id, sqlite3_errmsg(db->h));
		return -1;
	}
	char *text = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	st = db_prep(db, "INSERT INTO outbox(event_id, type, aggregate_type, aggregate_id, seq, occurred_at, "
	                 "correlation_id, causation_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, type);
	db_bind_text(st, 3, aggregate_type);
	sqlite3_bind_int64(st, 4, aggregate_id);
	sqlite3_bind_int64(st, 5, seq);
	db_bind_text(st, 6, now);
	db_bind_text(st, 7, log_request_id()[0] ? log_request_id() : id);
	db_bind_text(st, 8, cause_id[0] ? cause_id : NULL);
	db_bind_text(st, 9, text);
	int rc = db_run(st);
	free(text);
	if (rc != SQLITE_DONE) {
		log_error("outbox: insert %s: %s", type, sqlite3_errmsg(db->h));
		return -1;
	}
	db_recorded(db);
	return 0;
}

json_t *event_json(const struct event *ev)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s?, s:s?, s:O}", "eventId", ev->event_id, "type",
	                 ev->type, "aggregateType", ev->aggregate_type, "aggregateId",
	                 (json_int_t)ev->aggregate_id, "seq", (json_int_t)ev->seq, "occurredAt",
	                 ev->occurred_at, "correlationId", ev->correlation_id, "causationId",
	                 ev->causation_id, "data", ev->data);
}

long long event_data_id(const struct event *ev, const char *key, char *err, size_t errlen)
{
	json_t *v = json_object_get(ev->data, key);
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer_value(v);
	snprintf(err, errlen, "%s without %s", ev->type, key);
	return 0;
}

int event_record_state(struct db *db, const char *aggregate_type, long long id, const char *type,
                       json_t *state, const char *id_field)
{
	if (!state) {
		log_error("outbox: %s %lld not found for %s", aggregate_type, id, type);
		return -1;
	}
	json_object_set_new(state, id_field, json_integer(id));
	return event_record(db, aggregate_type, id, type, state);
}

void event_bind_id(sqlite3_stmt *st, int i, const struct event *ev, const char *key)
{
	json_t *v = json_object_get(ev->data, key);
	if (json_is_integer(v) && json_integer_value(v) > 0)
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else
		sqlite3_bind_null(st, i);
}
