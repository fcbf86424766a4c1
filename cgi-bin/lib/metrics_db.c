/* metrics_db.c — GET /metrics/<program> on the internal listener: the program's shared
 * counters (metrics.c), and, for a service's own scrape, gauges read from the databases
 * at scrape time (so they are right whichever process answers and whether or not the
 * worker runs): readiness, the outbox head, and, per source the service consumes, the
 * queue lag (events recorded but not yet applied) and the age of the oldest of them, and
 * dead letters by state. */
#include <sqlite3.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "metrics.h"
#include "service.h"

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The highest outbox position ever given out in h (0 when none; pruning keeps it). */
static long long outbox_head(sqlite3 *h)
{
	sqlite3_stmt *st;
	long long head = 0;
	if (sqlite3_prepare_v2(h, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		head = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		head = -1;
	sqlite3_finalize(st);
	return head;
}

/* Seconds since the first event of h's outbox after pos was recorded; 0 when none. */
static double oldest_pending_age(sqlite3 *h, long long pos)
{
	sqlite3_stmt *st;
	double age = 0;
	if (sqlite3_prepare_v2(h, "SELECT (julianday('now') - julianday(occurred_at)) * 86400.0 FROM outbox "
	                          "WHERE id > ? ORDER BY id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, pos);
	if (sqlite3_step(st) == SQLITE_ROW)
		age = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return age > 0 ? age : 0;
}

static long long own_offset(struct db *db, const char *source)
{
	long long pos = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT position FROM consumer_offset WHERE source = ?");
	db_bind_text(st, 1, source);
	return db_scalar_int(st, &pos) < 0 ? -1 : pos;
}

static void render_queues(struct db *db, const struct service *svc, struct buf *out)
{
	const char *seen[16];
	int nseen = 0;
	for (const struct subscription *s = svc->subs; s && s->source && nseen < 16; s++) {
		int dup = 0;
		for (int i = 0; i < nseen; i++)
			dup |= strcmp(seen[i], s->source) == 0;
		if (!dup)
			seen[nseen++] = s->source;
	}
	if (!nseen)
		return;
	struct buf lag = {0}, age = {0};
	for (int i = 0; i < nseen; i++) {
		char path[1024];
		sqlite3 *h = NULL;
		long long pos = own_offset(db, seen[i]), head = -1;
		config_db_path(seen[i], path, sizeof path);
		if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
			sqlite3_busy_timeout(h, 200);
			head = outbox_head(h);
		}
		if (head >= 0 && pos >= 0) {
			buf_printf(&lag, "roombook_queue_lag_events{consumer=\"%s\",source=\"%s\"} %lld\n", svc->name, seen[i],
			           head > pos ? head - pos : 0);
			buf_printf(&age, "roombook_queue_oldest_pending_age_seconds{consumer=\"%s\",source=\"%s\"} %.3f\n",
			           svc->name, seen[i], head > pos ? oldest_pending_age(h, pos) : 0.0);
		}
		sqlite3_close(h);
	}
	family(out, "roombook_queue_lag_events", "gauge",
	       "Events the source recorded that this consumer has not applied yet (outbox head - offset).");
	buf_append(out, buf_str(&lag), lag.len);
	family(out, "roombook_queue_oldest_pending_age_seconds", "gauge",
	       "Age of the oldest event the consumer has not applied yet (0 when caught up).");
	buf_append(out, buf_str(&age), age.len);
	buf_free(&lag);
	buf_free(&age);

	static const char *const states[] = {"parked", "replay", "replayed"};
	family(out, "roombook_dead_letters", "gauge", "Dead letters of the consumer by state (SPEC §5).");
	for (int i = 0; i < 3; i++) {
		long long n = 0;
		sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM dead_letter WHERE state = ?");
		db_bind_text(st, 1, states[i]);
		if (db_scalar_int(st, &n) >= 0)
			buf_printf(out, "roombook_dead_letters{consumer=\"%s\",state=\"%s\"} %lld\n", svc->name, states[i], n);
	}
}

int metrics_serve(struct ctx *c, const char *program)
{
	struct buf *out = &c->res->text;
	buf_free(out);
	if (metrics_render(program, out) != 0)
		return problem(c, 404, "no metrics for %s", program);
	if (strcmp(program, c->svc->name) == 0) {
		family(out, "roombook_ready", "gauge", "1 when the service's database is open and migrated.");
		buf_printf(out, "roombook_ready %d\n", db_is_migrated(c->db) ? 1 : 0);
		long long head = outbox_head(c->db->h);
		family(out, "roombook_outbox_head", "gauge", "Position of the last event the service recorded.");
		buf_printf(out, "roombook_outbox_head %lld\n", head > 0 ? head : 0);
		render_queues(c->db, c->svc, out);
		db_rollback(c->db);
	}
	c->res->text_type = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}
