/* test_delivery.c — the delivery engine (lib/delivery.h) with a made-up consumer: each
 * event reaches the handler its (source, type) row names, a type no row names is parked
 * at once with the reason, a row without a handler is skipped and the offset moves on;
 * and the real subscription tables agree with each other and with the list of services. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "delivery.h"
#include "log.h"
#include "services.h"
#include "unit.h"
#include "unit_stack.h"

#define MAX_CALLS 16

static struct call {
	const char *handler;
	char source[16], type[32];
	long long n;
} calls[MAX_CALLS];
static int ncalls;

static int remember(const char *handler, const struct event *ev)
{
	if (ncalls < MAX_CALLS) {
		struct call *c = &calls[ncalls++];
		c->handler = handler;
		snprintf(c->source, sizeof c->source, "%s", ev->source);
		snprintf(c->type, sizeof c->type, "%s", ev->type);
		c->n = json_integer_value(json_object_get(ev->data, "n"));
	}
	return 0;
}

static int on_alpha_known(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	(void)db, (void)err, (void)errlen;
	return remember("alpha_known", ev);
}

static int on_alpha_other(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	(void)db, (void)err, (void)errlen;
	return remember("alpha_other", ev);
}

static int on_beta_known(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	(void)db, (void)err, (void)errlen;
	return remember("beta_known", ev);
}

static const struct subscription probe_subs[] = {
	{"alpha", "Known", on_alpha_known},
	{"alpha", "Other", on_alpha_other},
	{"alpha", "Quiet", NULL},
	{"beta", "Known", on_beta_known},
	{NULL, NULL, NULL},
};

static const struct service probe = {.name = "probe", .subs = probe_subs};
static const struct service *const probe_only[] = {&probe};

/* Records one event of type with data {"n": n} in source's outbox. Returns 0 or -1. */
static int record(const char *source, const char *type, long long n)
{
	struct db *db = db_open(source);
	int rc = !db || db_begin(db) ? -1 : event_record(db, "Probe", 1, type, json_pack("{s:I}", "n", (json_int_t)n));
	if (db && (rc || db_commit(db)))
		db_rollback(db), rc = -1;
	db_close(db);
	return rc;
}

/* The first integer column of sql's first row in service's database (-1 when none). */
static long long probe_int(const char *service, const char *sql)
{
	long long v = -1;
	struct db *db = db_open(service);
	if (db)
		db_scalar_int(db_prep(db, sql), &v);
	db_close(db);
	return v;
}

/* Runs sql on db outside the engine; 0 or -1. */
static int db_exec_unit(struct db *db, const char *sql)
{
	return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The first text column of sql's first row in service's database, copied into out. */
static void probe_text(const char *service, const char *sql, char *out, size_t size)
{
	struct db *db = db_open(service);
	sqlite3_stmt *st = db ? db_prep(db, sql) : NULL;
	out[0] = '\0';
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
	if (st)
		db_done(st);
	db_close(db);
}

static void subscription_find_matches_source_and_type(void)
{
	CHECK(subscription_find(probe_subs, "alpha", "Known")->handler == on_alpha_known);
	CHECK(subscription_find(probe_subs, "beta", "Known")->handler == on_beta_known);
	CHECK(subscription_find(probe_subs, "alpha", "Quiet")->handler == NULL);
	CHECK(subscription_find(probe_subs, "beta", "Other") == NULL);
	CHECK(subscription_find(probe_subs, "alpha", "known") == NULL);
	CHECK(subscription_find(NULL, "alpha", "Known") == NULL);
}

static void apply_refuses_a_type_no_row_names(void)
{
	char err[256];
	json_t *data = json_pack("{s:i}", "n", 1);
	struct event ev = {.source = "alpha", .type = "Exploded", .event_id = "e", .data = data};
	struct db *db = db_open("probe");
	CHECK(db && db_begin(db) == 0);
	CHECK(delivery_apply(&probe, db, &ev, err, sizeof err) == -1);
	CHECK(strcmp(err, "no handler for alpha/Exploded in consumer probe") == 0);
	int before = ncalls;
	ev.type = "Quiet"; /* known, ignored on purpose */
	CHECK(delivery_apply(&probe, db, &ev, err, sizeof err) == 0);
	ev.type = "Other";
	CHECK(delivery_apply(&probe, db, &ev, err, sizeof err) == 0);
	CHECK(ncalls == before + 1 && strcmp(calls[before].handler, "alpha_other") == 0);
	db_rollback(db);
	db_close(db);
	json_decref(data);
	ncalls = before;
}

/* One delivery pass over alpha (Known 1, Quiet 2, Exploded 3, Other 4, Quiet 5) and
 * beta (Known 6). */
static void deliver_once(void)
{
	static const struct { const char *source, *type; } events[] = {
		{"alpha", "Known"}, {"alpha", "Quiet"}, {"alpha", "Exploded"},
		{"alpha", "Other"}, {"alpha", "Quiet"}, {"beta", "Known"},
	};
	for (int i = 0; i < 6; i++)
		CHECK(record(events[i].source, events[i].type, i + 1) == 0);
	ncalls = 0;
	CHECK(delivery_run(probe_only, 1, 1) == 0);
}

static void each_event_reaches_the_handler_its_row_names(void)
{
	CHECK(ncalls == 3);
	int alpha_known = 0, alpha_other = 0, beta_known = 0;
	for (int i = 0; i < ncalls; i++) {
		alpha_known += strcmp(calls[i].handler, "alpha_known") == 0 && calls[i].n == 1;
		alpha_other += strcmp(calls[i].handler, "alpha_other") == 0 && calls[i].n == 4;
		beta_known += strcmp(calls[i].handler, "beta_known") == 0 && calls[i].n == 6 &&
		              strcmp(calls[i].source, "beta") == 0;
	}
	CHECK(alpha_known == 1 && alpha_other == 1 && beta_known == 1);
}

static void an_unknown_type_is_parked_at_once_with_the_reason(void)
{
	char text[256];
	CHECK(probe_int("probe", "SELECT count(*) FROM dead_letter") == 1);
	CHECK(probe_int("probe", "SELECT attempts FROM dead_letter") == 1);
	probe_text("probe", "SELECT source || ' ' || type || ' ' || state FROM dead_letter", text, sizeof text);
	CHECK(strcmp(text, "alpha Exploded parked") == 0);
	probe_text("probe", "SELECT error FROM dead_letter", text, sizeof text);
	CHECK(strcmp(text, "no handler for alpha/Exploded in consumer probe") == 0);
	/* and it fails the same way when replayed: the table still does not name it */
	long long id = probe_int("probe", "SELECT id FROM dead_letter");
	CHECK(delivery_replay(&probe, id) == 1);
	CHECK(probe_int("probe", "SELECT attempts FROM dead_letter") == 2);
}

static void an_ignored_type_is_skipped_and_the_offset_moves_on(void)
{
	long long last = probe_int("alpha", "SELECT max(id) FROM outbox");
	CHECK(last == 5);
	CHECK(probe_int("probe", "SELECT position FROM consumer_offset WHERE source = 'alpha'") == last);
	CHECK(probe_int("probe", "SELECT position FROM consumer_offset WHERE source = 'beta'") ==
	      probe_int("beta", "SELECT max(id) FROM outbox"));
	CHECK(probe_int("probe", "SELECT count(*) FROM consumer_retry") == 0);
}

/* ---- a batch of events is one transaction; a failing event undoes only itself ---- */

static int commits;
static int count_commit(void *unused)
{
	(void)unused;
	commits++;
	return 0;
}

/* Writes the event's n into the consumer's table x with the count of the consumer's
 * commits so far (counted from the first call on): rows written in one transaction
 * carry the same count. */
static int on_write(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	sqlite3_commit_hook(db->h, count_commit, NULL);
	sqlite3_stmt *st = db_prep(db, "INSERT INTO x(n, tx) VALUES (?, ?)");
	sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(ev->data, "n")));
	sqlite3_bind_int(st, 2, commits);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Writes like on_write, then fails. */
static int on_fail(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	on_write(db, ev, err, errlen);
	snprintf(err, errlen, "boom");
	return -1;
}

static const struct subscription batch_subs[] = {
	{"gamma", "Write", on_write},
	{"gamma", "Fail", on_fail},
	{NULL, NULL, NULL},
};
static const struct service batcher = {.name = "batcher", .subs = batch_subs};
static const struct service *const batcher_only[] = {&batcher};

static void a_batch_is_one_transaction_and_a_failing_event_undoes_only_itself(void)
{
	static const char *const types[] = {"Write", "Write", "Fail", "Write", "Write"};
	struct db *db = db_open("batcher");
	CHECK(db && db_exec_unit(db, "CREATE TABLE x(n INTEGER NOT NULL, tx INTEGER NOT NULL)") == 0);
	db_close(db);
	for (int i = 0; i < 5; i++)
		CHECK(record("gamma", types[i], i + 1) == 0);
	setenv("WORKER_MAX_ATTEMPTS", "1", 1);
	CHECK(delivery_run(batcher_only, 1, 1) == 0);
	unsetenv("WORKER_MAX_ATTEMPTS");
	/* events 1-2 in one transaction, the failure parked in its own, 4-5 in one */
	CHECK(probe_int("batcher", "SELECT count(DISTINCT tx) FROM x WHERE n IN (1, 2)") == 1);
	CHECK(probe_int("batcher", "SELECT count(DISTINCT tx) FROM x WHERE n IN (4, 5)") == 1);
	CHECK(probe_int("batcher", "SELECT (SELECT tx FROM x WHERE n = 4) - (SELECT tx FROM x WHERE n = 1)") == 2);
	CHECK(probe_int("batcher", "SELECT group_concat(n, '') FROM (SELECT n FROM x ORDER BY n)") == 1245);
	CHECK(probe_int("batcher", "SELECT count(*) FROM dead_letter WHERE type = 'Fail' AND error = 'boom'") == 1);
	CHECK(probe_int("batcher", "SELECT position FROM consumer_offset WHERE source = 'gamma'") == 5);
}

/* ---- rows read before their commit is known on disk ---- */

static const struct subscription durable_subs[] = {
	{"delta", "Known", on_alpha_known},
	{NULL, NULL, NULL},
};
static const struct service waiter = {.name = "waiter", .subs = durable_subs};
static const struct service *const waiter_only[] = {&waiter};

/* Records like record, but commits past db_commit, as a process killed between its
 * COMMIT and its group commit's fdatasync leaves the rows: readable, not known on disk
 * (no durable mark raised). */
static int record_unsynced(const char *source, const char *type, long long n)
{
	struct db *db = db_open(source);
	int rc = !db || db_begin(db) ? -1 : event_record(db, "Probe", 1, type, json_pack("{s:I}", "n", (json_int_t)n));
	rc = rc || db_exec_unit(db, "COMMIT") ? -1 : 0;
	if (db)
		db_rollback(db); /* lets go of the writer mutex; the transaction is committed */
	db_close(db);
	return rc;
}

/* What record_later does: after ms, notes the waiter's offset in delta, then records
 * event n through db_commit (its sync raises the mark). */
struct later {
	long long n, ms, offset_before;
};

static void *record_later(void *arg)
{
	struct later *l = arg;
	struct timespec t = {l->ms / 1000, (l->ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
	l->offset_before = probe_int("waiter", "SELECT position FROM consumer_offset WHERE source = 'delta'");
	CHECK(record("delta", "Known", l->n) == 0);
	return NULL;
}

/* The worker wakes on a commit's WAL write, before the committer's fdatasync: it waits
 * for the durable mark (the doorbell) instead of flushing the same WAL a second time. A
 * row whose mark never comes (its committer died before syncing) is still delivered,
 * after the worker's own sync: the same delivery costs exactly one fdatasync more. */
static void rows_not_known_on_disk_are_synced_by_the_worker_before_delivery(void)
{
	ncalls = 0;
	long long marked = 0, before;
	for (int n = 7; n <= 8; n++) { /* the first makes the consumer's database and tables */
		CHECK(record("delta", "Known", n) == 0);
		before = db_group_syncs();
		CHECK(delivery_run(waiter_only, 1, 1) == 0);
		marked = db_group_syncs() - before;
	}
	CHECK(ncalls == 2 && calls[1].n == 8);

	CHECK(record_unsynced("delta", "Known", 9) == 0);
	before = db_group_syncs();
	CHECK(delivery_run(waiter_only, 1, 1) == 0);
	CHECK(ncalls == 3 && calls[2].n == 9);
	CHECK(db_group_syncs() - before == marked + 1);
	CHECK(probe_int("waiter", "SELECT position FROM consumer_offset WHERE source = 'delta'") ==
	      probe_int("delta", "SELECT max(id) FROM outbox"));

	/* Rows whose committer is still syncing: a later commit's mark covers them (a group
	 * commit's fdatasync flushes the whole WAL), and the worker, woken by its doorbell,
	 * delivers both with no sync of its own. The old check synced at once: one more. */
	setenv("WORKER_DURABLE_WAIT_MS", "20000", 1);
	CHECK(record_unsynced("delta", "Known", 10) == 0);
	pthread_t later;
	struct later l = {.n = 11, .ms = 50};
	CHECK(pthread_create(&later, NULL, record_later, &l) == 0);
	before = db_group_syncs();
	CHECK(delivery_run(waiter_only, 1, 1) == 0);
	long long syncs = db_group_syncs() - before;
	pthread_join(later, NULL);
	CHECK(ncalls == 5 && calls[3].n == 10 && calls[4].n == 11);
	CHECK(syncs == marked + 1); /* the later commit's own, and the consumer's */

	/* A batch whose first rows are on disk and whose last is not: the first are delivered
	 * at once, only the last waits (here for the commit after it, 300 ms later). */
	CHECK(record("delta", "Known", 12) == 0);
	long long twelve = probe_int("delta", "SELECT max(id) FROM outbox");
	CHECK(record_unsynced("delta", "Known", 13) == 0);
	l = (struct later){.n = 14, .ms = 300};
	CHECK(pthread_create(&later, NULL, record_later, &l) == 0);
	CHECK(delivery_run(waiter_only, 1, 1) == 0);
	pthread_join(later, NULL);
	unsetenv("WORKER_DURABLE_WAIT_MS");
	CHECK(l.offset_before == twelve); /* 12 delivered while 13 waited */
	CHECK(ncalls == 8 && calls[5].n == 12 && calls[6].n == 13 && calls[7].n == 14);
}

/* Every type one consumer names for a source, every other consumer of that source names
 * too (with a handler or NULL): a type added for one cannot land in another's dead
 * letters. Every source is a service of the list. */
static void subscription_tables_agree_on_each_sources_types(void)
{
	for (size_t a = 0; a < all_services_count; a++)
		for (const struct subscription *row = all_services[a]->subs; row && row->source; row++) {
			int known_source = 0;
			for (size_t b = 0; b < all_services_count; b++) {
				known_source |= strcmp(all_services[b]->name, row->source) == 0;
				const struct subscription *subs = all_services[b]->subs;
				if (!subs || subscription_find(subs, row->source, row->type))
					continue;
				int reads = 0;
				for (const struct subscription *r = subs; r->source; r++)
					reads |= strcmp(r->source, row->source) == 0;
				if (reads) {
					fprintf(stderr, "  %s names %s/%s, %s does not\n", all_services[a]->name, row->source,
					        row->type, all_services[b]->name);
					CHECK(!"every consumer of a source names the same types");
				}
			}
			CHECK(known_source);
		}
}

/* The Makefile and scripts/stack read the list from services.c's `&<name>_service,`
 * lines: those lines say the same as all_services, in order. */
static void the_list_of_services_is_what_the_build_reads(void)
{
	char path[4096], line[256], names[512] = "", want[512] = "";
	snprintf(path, sizeof path, "%s/cgi-bin/services.c", config_root());
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof line, f)) {
		const char *amp = line + strspn(line, " \t"), *end = strstr(line, "_service,");
		if (*amp == '&' && end && end > amp + 1 && strspn(amp + 1, "abcdefghijklmnopqrstuvwxyz_") >=
		                                               (size_t)(end - amp - 1))
			snprintf(names + strlen(names), sizeof names - strlen(names), "%.*s_service ",
			         (int)(end - amp - 1), amp + 1);
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < all_services_count; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s_service ", all_services[i]->name);
	CHECK(all_services_count >= 7 && strcmp(names, want) == 0);
}

int main(void)
{
	const char *dir = unit_sandbox();
	log_init("test_delivery");
	setenv("WORKER_BACKOFF_MS", "1", 1);
	RUN(subscription_find_matches_source_and_type);
	RUN(apply_refuses_a_type_no_row_names);
	deliver_once();
	RUN(each_event_reaches_the_handler_its_row_names);
	RUN(an_unknown_type_is_parked_at_once_with_the_reason);
	RUN(an_ignored_type_is_skipped_and_the_offset_moves_on);
	RUN(a_batch_is_one_transaction_and_a_failing_event_undoes_only_itself);
	RUN(rows_not_known_on_disk_are_synced_by_the_worker_before_delivery);
	RUN(subscription_tables_agree_on_each_sources_types);
	RUN(the_list_of_services_is_what_the_build_reads);
	unit_sandbox_remove(dir);
	UNIT_END();
}
