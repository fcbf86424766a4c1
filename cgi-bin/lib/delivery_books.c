/* delivery_books.c — the delivery engine's bookkeeping in each consumer's database:
 * offsets (consumer_offset), retries with backoff (consumer_retry), dead letters
 * (dead_letter), and pruning the sources' outboxes behind every consumer. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "delivery_impl.h"
#include "log.h"
#include "metrics.h"

/* Reads the consumer's offset in source into *pos (0 when none). Returns 0 or -1. */
int offset_get(struct db *db, const char *source, long long *pos)
{
	sqlite3_stmt *st = db_prep(db, "SELECT position FROM consumer_offset WHERE source = ?");
	db_bind_text(st, 1, source);
	*pos = 0;
	return db_scalar_int(st, pos) < 0 ? -1 : 0;
}

/* Moves the offset to pos and forgets any retry of source. Inside a transaction. */
int offset_set(struct db *db, const char *source, long long pos)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO consumer_offset(source, position) VALUES (?1, ?2) "
	                               "ON CONFLICT(source) DO UPDATE SET position = ?2");
	db_bind_text(st, 1, source);
	sqlite3_bind_int64(st, 2, pos);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	st = db_prep(db, "DELETE FROM consumer_retry WHERE source = ?");
	db_bind_text(st, 1, source);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Inside a transaction: DONE when the offset is still `expect` and the lease is ours. */
enum outcome guard(struct engine *e, struct stream *s, long long expect, char *err, size_t errlen)
{
	long long pos, mine = 0;
	struct db *db = s->con->db;
	if (offset_get(db, s->src->name, &pos)) {
		snprintf(err, errlen, "read offset: %s", sqlite3_errmsg(db->h));
		return FAILED;
	}
	if (pos != expect)
		return STALE;
	if (!e->leases)
		return DONE;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM consumer_lease WHERE name = ? AND owner = ?");
	db_bind_text(st, 1, s->con->svc->name);
	db_bind_text(st, 2, e->owner);
	if (db_scalar_int(st, &mine) < 0) {
		snprintf(err, errlen, "read lease: %s", sqlite3_errmsg(db->h));
		return FAILED;
	}
	return mine ? DONE : LOST;
}

/* Holds the stream back for one base backoff after a failure that is not the event's
 * (a locked or unreadable database); logs it. Returns BACKOFF. */
enum outcome stream_pause(struct engine *e, struct stream *s, const char *why)
{
	log_warn("%s <- %s: paused for %lld ms: %s", s->con->svc->name, s->src->name, e->backoff_ms, why);
	s->retry_at_ms = now_ms() + e->backoff_ms;
	return BACKOFF;
}

/* Attempts already made at the event at pos (0 when it never failed). */
static long long retry_attempts(struct db *db, const char *source, long long pos)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT attempts FROM consumer_retry WHERE source = ? AND position = ?");
	db_bind_text(st, 1, source);
	sqlite3_bind_int64(st, 2, pos);
	return db_scalar_int(st, &n) == 1 ? n : 0;
}

/* The delay before attempt n+1: backoff * 2^(n-1), capped. */
static long long backoff_delay(const struct engine *e, long long attempts)
{
	long long d = e->backoff_ms;
	for (long long i = 1; i < attempts && d < e->backoff_max_ms; i++)
		d *= 2;
	return d < e->backoff_max_ms ? d : e->backoff_max_ms;
}

/* Parks d in dead_letter with the error and the attempts made. Inside a transaction. */
static int park(struct stream *s, const struct in_flight *d, long long attempts, const char *error)
{
	json_t *whole = event_json(&d->ev);
	char *doc = json_dumps(whole ? whole : d->doc, JSON_COMPACT);
	json_decref(whole);
	char now[32];
	config_now(now);
	sqlite3_stmt *st = db_prep(s->con->db, "INSERT INTO dead_letter(source, position, event_id, type, event, "
	                                       "error, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, s->src->name);
	sqlite3_bind_int64(st, 2, d->ev.pos);
	db_bind_text(st, 3, d->ev.event_id);
	db_bind_text(st, 4, d->ev.type);
	db_bind_text(st, 5, doc ? doc : "{}");
	db_bind_text(st, 6, error);
	sqlite3_bind_int64(st, 7, attempts);
	db_bind_text(st, 8, now);
	free(doc);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Stores the retry state of the event at pos. Inside a transaction. */
static int retry_save(struct stream *s, long long pos, long long attempts, long long next_at, const char *error)
{
	sqlite3_stmt *st = db_prep(s->con->db, "INSERT INTO consumer_retry(source, position, attempts, next_at_ms, "
	                                       "last_error) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(source) DO UPDATE "
	                                       "SET position = ?2, attempts = ?3, next_at_ms = ?4, last_error = ?5");
	db_bind_text(st, 1, s->src->name);
	sqlite3_bind_int64(st, 2, pos);
	sqlite3_bind_int64(st, 3, attempts);
	sqlite3_bind_int64(st, 4, next_at);
	db_bind_text(st, 5, error);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Counts a failed delivery of d (the consumer's offset being expect) in its own
 * transaction: schedules a retry with backoff (BACKOFF), or after the last attempt (at
 * once when final) parks the event and moves the offset past it (DONE). One log line
 * either way. */
enum outcome record_failure(struct engine *e, struct stream *s, const struct in_flight *d, long long expect,
                            const char *error, int final)
{
	char err[ERR_LEN] = "";
	struct db *db = s->con->db;
	const char *who = s->con->svc->name;
	if (db_begin(db))
		goto transient;
	enum outcome o = guard(e, s, expect, err, sizeof err);
	if (o != DONE) {
		db_rollback(db);
		if (o == FAILED)
			goto transient;
		return o;
	}
	long long attempts = retry_attempts(db, s->src->name, d->ev.pos) + 1;
	int parked = final || attempts >= e->max_attempts;
	long long delay = backoff_delay(e, attempts);
	int rc = parked ? park(s, d, attempts, error) || offset_set(db, s->src->name, d->ev.pos)
	                : retry_save(s, d->ev.pos, attempts, now_ms() + delay, error);
	if (rc || db_commit(db)) {
		db_rollback(db);
		goto transient;
	}
	char series[128];
	snprintf(series, sizeof series, "roombook_events_handled_total{consumer=\"%s\",source=\"%s\",outcome=\"%s\"}",
	         s->con->svc->name, s->src->name, parked ? "parked" : "retry");
	metrics_count(series, 1);
	log_set_request_id(d->ev.correlation_id);
	if (parked)
		log_error("%s <- %s #%lld %s %s: parked as a dead letter after %lld attempts: %s", who, s->src->name,
		          d->ev.pos, d->ev.type, d->ev.event_id, attempts, error);
	else
		log_warn("%s <- %s #%lld %s %s: attempt %lld failed, retry in %lld ms: %s", who, s->src->name,
		         d->ev.pos, d->ev.type, d->ev.event_id, attempts, delay, error);
	log_set_request_id(NULL);
	s->retry_at_ms = parked ? 0 : now_ms() + delay;
	s->may_retry |= !parked;
	return parked ? DONE : BACKOFF;
transient:
	snprintf(err, sizeof err, "cannot record the failure of #%lld (%.100s): %.300s", d->ev.pos,
	         sqlite3_errmsg(db->h), error);
	return stream_pause(e, s, err);
}

/* True (and s->retry_at_ms set) when the head of the stream waits for a retry. */
int in_backoff(struct engine *e, struct stream *s)
{
	long long pos = 0, next_at = 0;
	if (s->retry_at_ms > now_ms())
		return 1;
	if (!s->may_retry && e->leases) /* only this process records the retries of a consumer it holds */
		return 0;
	if (offset_get(s->con->db, s->src->name, &pos)) {
		stream_pause(e, s, sqlite3_errmsg(s->con->db->h));
		return 1;
	}
	sqlite3_stmt *st = db_prep(s->con->db, "SELECT next_at_ms FROM consumer_retry WHERE source = ? AND position > ?");
	db_bind_text(st, 1, s->src->name);
	sqlite3_bind_int64(st, 2, pos);
	if (db_scalar_int(st, &next_at) == 1 && next_at > now_ms()) {
		s->retry_at_ms = next_at;
		return 1;
	}
	s->retry_at_ms = 0;
	s->may_retry = 0;
	return 0;
}

/* Deletes the outbox rows of src every consumer has passed and that are older than the
 * retention window. */
static void prune_source(struct engine *e, struct source *src)
{
	long long min = LLONG_MAX;
	for (int k = 0; k < e->nstreams; k++) {
		long long pos;
		if (e->streams[k].src != src)
			continue;
		if (offset_get(e->streams[k].con->db, src->name, &pos))
			return;
		min = pos < min ? pos : min;
	}
	if (min == LLONG_MAX || min <= 0 || db_begin(src->db))
		return;
	char age[32];
	snprintf(age, sizeof age, "-%lld seconds", e->retention_s);
	sqlite3_stmt *st = db_prep(src->db, "DELETE FROM outbox WHERE id <= ? "
	                                    "AND occurred_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)");
	sqlite3_bind_int64(st, 1, min);
	db_bind_text(st, 2, age);
	if (db_run(st) != SQLITE_DONE || db_commit(src->db)) {
		log_warn("prune outbox of %s: %s", src->name, sqlite3_errmsg(src->db->h));
		db_rollback(src->db);
		return;
	}
	int n = sqlite3_changes(src->db->h);
	if (n)
		log_info("pruned %d outbox rows of %s", n, src->name);
}

void prune(struct engine *e)
{
	for (int i = 0; i < e->nsrcs; i++)
		prune_source(e, &e->srcs[i]);
	e->next_prune_ms = now_ms() + e->prune_ms;
}
