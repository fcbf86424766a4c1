/* delivery.c — the delivery loop: reads each source's outbox after each consumer's
 * offset and applies what it read in one transaction per batch (each event in a savepoint
 * of its own, the offset moved once), sleeping until the doorbell or a database file
 * changes. Its parts: delivery_books.c (offsets, retries,
 * dead letters, pruning), delivery_lease.c (leases), delivery_dispatch.c (handlers). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "delivery_impl.h"
#include "live.h"
#include "log.h"
#include "metrics.h"

#define BATCHES_PER_ROUND 8
#define IDLE_WAIT_MS 1000
/* Events a consumer ignores move its offset lazily: at most this long after the first
 * one skipped (or with the next event it applies), not in a commit of their own. */
#define SKIP_RECORD_MS 200
/* A commit writes the -wal file (inotify fires) a moment before it becomes visible in the
 * wal-index, so a wake-up can find nothing new yet: look again after these delays. */
static const long long recheck_ms[] = {2, 20, 100};

/* Drops the documents of e->batch[0..n). */
static void batch_free(struct engine *e, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(e->batch[i].doc);
}

/* The event at pos of src as read before (a new reference), when it is the same event
 * (the event id: a restored database may hold another at the same position), else NULL. */
static json_t *read_cached(struct source *src, long long pos, const unsigned char *event_id)
{
	const json_t *doc = src->read[pos & (READ_CACHE - 1)].doc;
	if (!doc || src->read[pos & (READ_CACHE - 1)].pos != pos || !event_id)
		return NULL;
	const char *id = json_string_value(json_object_get(doc, "eventId"));
	return id && strcmp(id, (const char *)event_id) == 0 ? json_incref((json_t *)doc) : NULL;
}

static void read_keep(struct source *src, long long pos, json_t *doc)
{
	size_t i = (size_t)(pos & (READ_CACHE - 1));
	json_decref(src->read[i].doc);
	src->read[i].pos = pos;
	src->read[i].doc = json_incref(doc);
}

/* Reads up to BATCH events of src after position `after` into e->batch. The data text
 * is parsed; when it is not JSON it stays a string (and fails delivery). An event most of
 * the source's consumers read in turn (a ReservationConfirmed: five) is parsed once: the
 * documents are shared, and handlers only read them (struct event: data is borrowed).
 * Returns the count, or -1 on a read error (logged). */
static int outbox_read(struct engine *e, struct source *src, long long after)
{
	sqlite3_stmt *st = db_prep(src->db, "SELECT id AS pos, event_id AS eventId, type, aggregate_type AS aggregateType, "
	                                    "aggregate_id AS aggregateId, seq, occurred_at AS occurredAt, "
	                                    "correlation_id AS correlationId, causation_id AS causationId, data "
	                                    "FROM outbox WHERE id > ? ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, BATCH);
	int n = 0, rc;
	while (n < BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long pos = sqlite3_column_int64(st, 0);
		json_t *doc = read_cached(src, pos, sqlite3_column_text(st, 1));
		if (!doc) {
			doc = db_row_json(st);
			const char *text = json_string_value(json_object_get(doc, "data"));
			json_t *data = text ? json_loads(text, 0, NULL) : NULL;
			json_object_del(doc, "pos");
			if (data)
				json_object_set_new(doc, "data", data);
			read_keep(src, pos, doc);
		}
		e->batch[n].doc = doc;
		event_bind(&e->batch[n].ev, doc, src->name, pos);
		n++;
	}
	db_done(st);
	if (n < BATCH && rc != SQLITE_DONE) {
		log_error("read outbox of %s: %s", src->name, sqlite3_errmsg(src->db->h));
		batch_free(e, n);
		return -1;
	}
	return n;
}

/* Whether the consumer of s ignores ev on purpose (a row with no handler). */
static int ignored(const struct stream *s, const struct event *ev)
{
	const struct subscription *row = subscription_find(s->con->svc->subs, s->src->name, ev->type);
	return row && !row->handler;
}

/* One line and one count per event applied: "event consumer=... source=... pos=...
 * type=... id=... outcome=applied duration_ms=... pid=...", with the event's correlation
 * id as the rid. */
static void event_handled(struct engine *e, const struct stream *s, const struct event *ev, long long us)
{
	char series[128];
	e->applied++;
	snprintf(series, sizeof series, "roombook_events_handled_total{consumer=\"%s\",source=\"%s\",outcome=\"applied\"}",
	         s->con->svc->name, s->src->name);
	metrics_count(series, 1);
	log_set_request_id(ev->correlation_id);
	log_info("event consumer=%s source=%s pos=%lld type=%s id=%s outcome=applied duration_ms=%lld.%03lld pid=%ld",
	         s->con->svc->name, s->src->name, ev->pos, ev->type, ev->event_id, us / 1000, us % 1000, e->pid);
	log_set_request_id(NULL);
}

/* Runs one statement without parameters (a savepoint's); 0 or -1. */
static int run(struct db *db, const char *sql) { return db_run(db_prep(db, sql)) == SQLITE_DONE ? 0 : -1; }

/* Applies e->batch[from..n) to s in ONE transaction on the consumer, the offset being
 * `at` before the first: the offset compare-and-set and the lease are checked first
 * (guard), each event is applied inside a savepoint of its own, and the offset moves once,
 * to the last event applied (events the consumer ignores only move it). An event whose
 * handler fails is rolled back alone and stops the batch there: *failed is its index
 * (else -1) and err says why. *done is the index after the last event committed. One
 * commit (one fsync at synchronous=FULL) for up to BATCH events instead of one each. */
static enum outcome apply_batch(struct engine *e, struct stream *s, int from, int n, long long at, int *done,
                                int *failed, long long *us, char *err, size_t errlen)
{
	struct db *db = s->con->db;
	*done = from;
	*failed = -1;
	if (db_begin(db)) { /* the database is locked or unwell: not the events' fault */
		snprintf(err, errlen, "begin: %s", sqlite3_errmsg(db->h));
		return stream_pause(e, s, err);
	}
	enum outcome o = guard(e, s, at, err, errlen);
	int i = from;
	for (; o == DONE && i < n; i++) {
		const struct event *ev = &e->batch[i].ev;
		us[i] = -1;
		if (ignored(s, ev))
			continue;
		long long t0 = metrics_now_us();
		if (run(db, "SAVEPOINT event")) {
			snprintf(err, errlen, "savepoint: %s", sqlite3_errmsg(db->h));
			o = FAILED;
		} else if (delivery_apply(s->con->svc, db, ev, err, errlen)) {
			*failed = i;
			if (sqlite3_get_autocommit(db->h)) /* SQLite undid the whole transaction */
				o = FAILED;
			else if (run(db, "ROLLBACK TO event") || run(db, "RELEASE event"))
				o = FAILED;
			break;
		} else if (run(db, "RELEASE event")) {
			snprintf(err, errlen, "release: %s", sqlite3_errmsg(db->h));
			o = FAILED;
		}
		us[i] = metrics_now_us() - t0;
	}
	if (o == DONE && i > from && offset_set(db, s->src->name, e->batch[i - 1].ev.pos)) {
		snprintf(err, errlen, "move offset: %s", sqlite3_errmsg(db->h));
		o = FAILED;
	}
	if (o == DONE && db_commit(db)) {
		snprintf(err, errlen, "commit: %s", sqlite3_errmsg(db->h));
		o = FAILED;
	}
	if (o != DONE) {
		db_rollback(db);
		return o;
	}
	*done = i;
	return DONE;
}

/* The worker buffers its log (stderr, worker.c): the lines go out in one write at most
 * every LOG_FLUSH_MS, busy or asleep (log_flush_before_sleep). Each write is a wake-up of
 * supervisord (Python) reading the pipe: flushed per batch, that was 13 % of a core at
 * 200 bookings/s. A worker killed -9 loses at most that much of its log, never a
 * delivery (those are committed). */
#define LOG_FLUSH_MS 50

static void log_flush_due(struct engine *e)
{
	long long now = config_mono_ms(); /* not the wall clock: a step back would hold the log */
	if (now - e->flushed_ms >= LOG_FLUSH_MS) {
		fflush(stderr);
		e->flushed_ms = now;
	}
}

/* Before a sleep of t ms: what the log holds goes out now when LOG_FLUSH_MS have passed
 * since the last write, else the sleep ends when they have. Flushing at every sleep was
 * a write per batch: under a stream of single writes (POST /rooms) the worker sleeps
 * between batches some 340 times a second, and supervisord's read of each took 17 us of
 * CPU per room created. Returns the sleep. */
static long long log_flush_before_sleep(struct engine *e, long long t)
{
	if (!__fpending(stderr))
		return t;
	long long left = e->flushed_ms + LOG_FLUSH_MS - config_mono_ms();
	if (left > 0)
		return t < left ? t : left;
	fflush(stderr);
	e->flushed_ms = config_mono_ms();
	return t;
}

/* Delivers e->batch[0..n) to s in order, the offset being `at` before the first, a
 * transaction per run of events that apply (apply_batch). An event whose handler fails
 * is counted on its own afterwards (record_failure: a retry later, or parked as a dead
 * letter, at once when its type is not in the consumer's table) and, once parked, the
 * events after it go on. A failure that is not one event's (a locked database, a
 * transaction SQLite undid) delivers the events before it alone, then the failing one
 * alone, so that each event is judged by its own handler only. */
static enum outcome batch_deliver(struct engine *e, struct stream *s, int n, long long *offset)
{
	long long at = *offset;
	char err[ERR_LEN];
	long long us[BATCH];
	int from = 0, limit = n, applies = 0;
	for (int i = 0; i < n && !applies; i++)
		applies = !ignored(s, &e->batch[i].ev);
	if (n && !applies) { /* nothing to do but move the offset: later (skips_record) */
		s->seen = e->batch[n - 1].ev.pos;
		s->seen_ms = s->seen_ms ? s->seen_ms : now_ms();
		return DONE;
	}
	while (from < n) {
		if (service_stopping())
			return STOPPING;
		int done, failed;
		enum outcome o = apply_batch(e, s, from, limit, at, &done, &failed, us, err, sizeof err);
		if (o == FAILED && failed > from) { /* the failing event took the batch down: the rest first */
			limit = failed;
			continue;
		}
		if (o == FAILED && failed < 0)
			return stream_pause(e, s, err);
		if (o != DONE && o != FAILED)
			return o;
		for (int i = from; i < done; i++)
			if (us[i] >= 0)
				event_handled(e, s, &e->batch[i].ev, us[i]);
		log_flush_due(e);
		if (done > from)
			at = e->batch[done - 1].ev.pos;
		if (failed >= 0) { /* failed == done: the events before it are committed */
			const struct in_flight *d = &e->batch[failed];
			o = record_failure(e, s, d, at, err, !subscription_find(s->con->svc->subs, s->src->name, d->ev.type));
			if (o != DONE)
				return o;
			at = d->ev.pos;
			done = failed + 1;
		}
		from = done;
		limit = n;
		*offset = at;
	}
	if (n)
		s->seen = s->seen_ms = 0; /* the offset is past everything skipped before */
	return DONE;
}

/* Records the offset of a stream that skipped ignored events (s->seen) in the
 * consumer's database, with the usual compare-and-set and lease check. */
static void skips_record(struct engine *e, struct stream *s)
{
	char err[ERR_LEN];
	long long at;
	struct db *db = s->con->db;
	if (!s->seen_ms || offset_get(db, s->src->name, &at) || db_begin(db))
		return;
	enum outcome o = guard(e, s, at, err, sizeof err);
	if (o == DONE && (s->seen <= at || (offset_set(db, s->src->name, s->seen) == 0 && db_commit(db) == 0))) {
		if (s->seen <= at)
			db_rollback(db);
		s->at = s->seen > at ? s->seen : at;
		s->at_known = 1;
		s->seen = s->seen_ms = 0;
		return;
	}
	db_rollback(db);
	s->at_known = 0;
	if (o == STALE || o == LOST) /* another worker moved on: read from its offset */
		s->seen = s->seen_ms = 0;
}

/* A service acknowledges a commit once it is on disk, but others may read it a moment
 * before (group commit, db.h). Of the n outbox rows in e->batch, how many lead rows may be
 * delivered now: those up to the source's durable mark (its committers raise it after
 * their fdatasync) or read before an earlier sync of ours (the other consumers of the
 * same rows pay nothing). Rows above the mark are most likely in their committer's
 * fdatasync right now (the worker wakes on the WAL write, before the sync), and their
 * doorbell rings once it is done: a sync of our own would flush the same WAL twice. So
 * the stream waits (0, s->waits_durable) up to WORKER_DURABLE_WAIT_MS from when the
 * source's first row not on disk was first met; after that (its committer died between
 * commit and sync, or syncs that slowly), or when there is no mark, the worker syncs
 * the source itself. -1 when that sync fails. */
static int source_durable(struct engine *e, struct stream *s, int n)
{
	struct source *src = s->src;
	long long first = e->batch[0].ev.pos, last = e->batch[n - 1].ev.pos;
	if (last > src->durable) {
		long long mark = db_durable_mark(src->db);
		if (mark > src->durable)
			src->durable = mark;
		if (src->wait_pos && src->wait_pos <= src->durable)
			src->wait_pos = 0; /* what was waited for is on disk */
		if (first > src->durable) { /* nothing of the batch is known on disk */
			long long now = config_mono_ms();
			if (!src->wait_pos)
				src->wait_ms = now;
			if (!src->wait_pos || first < src->wait_pos)
				src->wait_pos = first; /* an earlier row: committed before, waited for as long */
			if (mark >= 0 && now - src->wait_ms < e->durable_wait_ms) {
				s->waits_durable = 1;
				return 0;
			}
			if (db_durable(src->db))
				return -1;
			src->durable = last;
			src->wait_pos = 0;
		}
	}
	int k = n;
	while (k > 0 && e->batch[k - 1].ev.pos > src->durable)
		k--;
	return k;
}

/* Delivers what is waiting in one stream, up to BATCHES_PER_ROUND batches; clears
 * s->pending once the stream has caught up. */
static void stream_run(struct engine *e, struct stream *s)
{
	if (!s->con->held || !s->pending || in_backoff(e, s))
		return;
	s->waits_durable = 0;
	for (int b = 0; b < BATCHES_PER_ROUND && !service_stopping(); b++) {
		if (!s->at_known && offset_get(s->con->db, s->src->name, &s->at)) {
			stream_pause(e, s, sqlite3_errmsg(s->con->db->h));
			return;
		}
		s->at_known = 1; /* kept, not read per batch: apply_batch's guard compares it with the
		                  * database's in its transaction, so a stale one costs a round */
		long long at = s->at;
		int n = outbox_read(e, s->src, s->seen > at ? s->seen : at);
		if (n < 0) {
			stream_pause(e, s, "the outbox could not be read");
			return;
		}
		int k = n > 0 ? source_durable(e, s, n) : 0; /* the rows on disk */
		if (k < 0 || (n > 0 && k == 0)) {
			batch_free(e, n);
			if (k < 0)
				stream_pause(e, s, "the source could not be made durable");
			return; /* 0: not yet on disk; s stays pending (wait_time) */
		}
		enum outcome o = batch_deliver(e, s, k, &s->at);
		batch_free(e, n);
		s->at_known = o == DONE;
		if (o == LOST)
			s->con->held = 0;
		if (o == LOST || o == STALE)
			s->seen = s->seen_ms = 0;
		if (o == STALE && e->trace)
			log_info("%s <- %s: offset moved by another worker", s->con->svc->name, s->src->name);
		if (o == STALE)
			continue;
		if (o != DONE)
			return;
		if (k < n)
			continue; /* the rest: on disk by now, or waited for */
		if (n < BATCH) {
			s->pending = 0;
			return;
		}
		if (now_ms() >= e->next_lease_ms)
			return; /* let the loop renew the leases first */
	}
}

/* Marks the streams of src as pending when it has new commits (PRAGMA data_version);
 * returns whether it had. The WAL's header is looked at first: unchanged, nothing was
 * committed and no read transaction (two locks) is needed. */
static int source_check(struct engine *e, struct source *src)
{
	if (db_wal_unchanged(src->db, src->wal_seen))
		return 0;
	long long v = -1;
	if (db_scalar_int(db_prep(src->db, "PRAGMA data_version"), &v) == 1 && v == src->version)
		return 0;
	src->version = v;
	for (int k = 0; k < e->nstreams; k++)
		if (e->streams[k].src == src)
			e->streams[k].pending = 1;
	return 1;
}

/* Marks the streams of sources with new commits as pending. */
static void sources_check(struct engine *e)
{
	for (int i = 0; i < e->nsrcs; i++)
		source_check(e, &e->srcs[i]);
}

/* Runs stream s; when it applied events and its consumer is itself a source (a handler
 * may have recorded events: tickets' TicketIssued for a ReservationConfirmed), marks that
 * source's readers pending at once, so that those later in this pass run in it: a
 * booking's ticket reaches mypage in the same round, without waiting for the next. */
static void stream_run_chain(struct engine *e, struct stream *s)
{
	long long before = e->applied;
	stream_run(e, s);
	if (e->applied == before)
		return;
	for (int i = 0; i < e->nsrcs; i++) {
		if (strcmp(e->srcs[i].name, s->con->svc->name) != 0 || !source_check(e, &e->srcs[i]))
			continue;
		/* projections (derived databases) at once: what a user reads comes first */
		for (int k = 0; k < e->nstreams && !service_stopping(); k++)
			if (e->streams[k].src == &e->srcs[i] && e->streams[k].con->derived)
				stream_run(e, &e->streams[k]);
	}
}

/* Puts the streams of projections (derived databases: mypage) first in each pass, in
 * their order otherwise: their commits are cheap (no fsync) and what users read. */
static void streams_order(struct engine *e)
{
	struct stream sorted[MAX_STREAMS];
	int n = 0;
	for (int pass = 1; pass >= 0; pass--)
		for (int k = 0; k < e->nstreams; k++)
			if (e->streams[k].con->derived == pass)
				sorted[n++] = e->streams[k];
	memcpy(e->streams, sorted, sizeof *sorted * (size_t)n);
}

/* The source named name, opened on first use; NULL when it cannot be. */
static struct source *source_get(struct engine *e, const char *name)
{
	for (int i = 0; i < e->nsrcs; i++)
		if (strcmp(e->srcs[i].name, name) == 0)
			return &e->srcs[i];
	if (e->nsrcs == MAX_SOURCES)
		return NULL;
	struct source *src = &e->srcs[e->nsrcs];
	src->name = name;
	src->version = -1;
	src->durable = 0;
	src->db = db_open(name);
	if (!src->db)
		return NULL;
	db_cache_kb(src->db, WORKER_CACHE_KB);
	e->nsrcs++;
	return src;
}

/* Opens a consumer's database and one stream per source its table reads. Returns 0 or -1. */
static int consumer_add(struct engine *e, const struct service *svc)
{
	if (e->ncons == MAX_CONSUMERS)
		return -1;
	struct consumer *c = &e->cons[e->ncons];
	c->svc = svc;
	c->db = db_open(svc->name);
	if (!c->db)
		return -1;
	db_cache_kb(c->db, WORKER_CACHE_KB);
	c->derived = strcmp(db_synchronous(c->db), "NORMAL") == 0 || strcmp(db_synchronous(c->db), "OFF") == 0;
	e->ncons++;
	for (const struct subscription *sub = svc->subs; sub->source; sub++) {
		struct source *src = source_get(e, sub->source);
		if (!src || e->nstreams == MAX_STREAMS)
			return -1;
		int known = 0;
		for (int k = 0; k < e->nstreams; k++)
			known |= e->streams[k].con == c && e->streams[k].src == src;
		if (!known)
			e->streams[e->nstreams++] = (struct stream){.con = c, .src = src, .pending = 1, .may_retry = 1};
	}
	return 0;
}

/* Reads the settings and makes this process's lease owner name. */
static void worker_config(struct engine *e)
{
	unsigned int nonce = 0;
	if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
		nonce = (unsigned int)now_ms();
	if (gethostname(e->host, sizeof e->host) != 0)
		snprintf(e->host, sizeof e->host, "localhost");
	e->host[sizeof e->host - 1] = '\0';
	e->pid = (long)getpid(); /* once: glibc asks the kernel at every call, and every event's line has it */
	snprintf(e->owner, sizeof e->owner, "%s:%ld:%08x", e->host, e->pid, nonce);
	e->first_lease = (int)(nonce % MAX_CONSUMERS);
	e->lease_ms = config_long("WORKER_LEASE_MS", 5000);
	e->backoff_ms = config_long("WORKER_BACKOFF_MS", 100);
	e->backoff_max_ms = config_long("WORKER_BACKOFF_MAX_MS", 60000);
	e->max_attempts = config_long("WORKER_MAX_ATTEMPTS", 5);
	e->retention_s = config_long("OUTBOX_RETENTION_S", 86400);
	e->prune_ms = config_long("WORKER_PRUNE_INTERVAL_MS", 60000);
	e->trace = config_long("WORKER_TRACE", 0) != 0;
	e->leases = config_long("WORKER_LEASES", 1) != 0;
	e->durable_wait_ms = config_long("WORKER_DURABLE_WAIT_MS", 50);
	if (e->durable_wait_ms < 0 || e->durable_wait_ms > 10000)
		e->durable_wait_ms = e->durable_wait_ms < 0 ? 0 : 10000;
	if (e->lease_ms < 300)
		e->lease_ms = 300;
	if (e->backoff_ms < 1)
		e->backoff_ms = 1;
	if (e->max_attempts < 1)
		e->max_attempts = 1;
}

/* Opens every consumer of services[0..n) and its sources, and the inotify watch.
 * Returns 0 or -1. */
static int worker_open(struct engine *e, const struct service *const *services, size_t n)
{
	worker_config(e);
	for (size_t i = 0; i < n; i++)
		if (services[i]->subs && consumer_add(e, services[i])) {
			log_error("cannot open consumer %s and its sources", services[i]->name);
			return -1;
		}
	streams_order(e);
	/* Wakes on the doorbell services ring after a commit that recorded events
	 * (db_commit), once those events are visible and on disk. Not on every write to the
	 * database folder as well: that woke the worker for each WAL write of every service,
	 * its own commits included (a pass for nothing after each pass), and made every
	 * write of the stack queue an inotify event: 8-10 % of a booking's CPU. The folder is
	 * watched only when the doorbell cannot be; the slow timer catches up either way. */
	char dir[PATH_MAX], bell[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/run", config_var());
	mkdir(dir, 0700);
	db_doorbell_path(bell, sizeof bell);
	e->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int fd = open(bell, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || e->inotify_fd < 0 || inotify_add_watch(e->inotify_fd, bell, IN_MODIFY) < 0) {
		log_warn("doorbell %s: %s; waking on database writes", bell, strerror(errno));
		snprintf(dir, sizeof dir, "%s/db", config_var());
		if (e->inotify_fd < 0 || inotify_add_watch(e->inotify_fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE) < 0)
			log_warn("inotify on %s: %s; falling back to a %d ms poll", dir, strerror(errno), IDLE_WAIT_MS);
	}
	if (fd >= 0)
		close(fd);
	e->next_prune_ms = now_ms() + 5000;
	alive_announce(e, 1);
	return 0;
}

/* Gives up the leases, withdraws this process and closes everything. */
static void worker_close(struct engine *e)
{
	for (int k = 0; k < e->nstreams; k++)
		if (e->streams[k].con->held)
			skips_record(e, &e->streams[k]);
	leases_release(e);
	alive_announce(e, 0);
	for (int i = 0; i < e->ncons; i++)
		db_close(e->cons[i].db);
	for (int i = 0; i < e->nsrcs; i++) {
		db_close(e->srcs[i].db);
		for (int k = 0; k < READ_CACHE; k++)
			json_decref(e->srcs[i].read[k].doc);
	}
	if (e->inotify_fd >= 0)
		close(e->inotify_fd);
}

/* Milliseconds until something is due: 0 when a stream can run now. *busy tells whether
 * any stream this process holds still has events waiting (perhaps in backoff). */
static long long wait_time(struct engine *e, int *busy)
{
	long long now = now_ms(), t = IDLE_WAIT_MS;
	*busy = 0;
	for (int k = 0; k < e->nstreams; k++) {
		struct stream *s = &e->streams[k];
		if (!s->con->held || !s->pending)
			continue;
		*busy = 1;
		long long at = s->retry_at_ms;
		if (s->waits_durable) { /* its doorbell (a wake), or the end of the wait for it */
			long long end = now + (s->src->wait_ms + e->durable_wait_ms - config_mono_ms());
			at = at > end ? at : end;
		}
		if (at <= now)
			return 0;
		t = at - now < t ? at - now : t;
	}
	for (int k = 0; k < e->nstreams; k++) {
		const struct stream *s = &e->streams[k];
		if (s->con->held && s->seen_ms && s->seen_ms + SKIP_RECORD_MS - now < t)
			t = s->seen_ms + SKIP_RECORD_MS - now;
	}
	t = e->next_lease_ms - now < t ? e->next_lease_ms - now : t;
	t = e->next_prune_ms - now < t ? e->next_prune_ms - now : t;
	return t > 0 ? t : 0;
}

/* Sleeps until a database file changes, ms pass, or a stop signal comes (no lost wake-up:
 * the signals are only let through inside ppoll). Shortly after a change, ms is capped by
 * recheck_ms, in case the commit that caused it was not visible yet. */
static void wait_wake(struct engine *e, long long ms)
{
	int n = (int)(sizeof recheck_ms / sizeof *recheck_ms);
	if (e->quiet_wakes < n && recheck_ms[e->quiet_wakes] < ms)
		ms = recheck_ms[e->quiet_wakes];
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!service_stopping()) {
		struct pollfd p = {.fd = e->inotify_fd, .events = POLLIN};
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
		ppoll(&p, e->inotify_fd >= 0 ? 1 : 0, &ts, &old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	char buf[4096];
	int changed = 0;
	while (e->inotify_fd >= 0 && read(e->inotify_fd, buf, sizeof buf) > 0)
		changed = 1;
	e->quiet_wakes = changed ? 0 : e->quiet_wakes + (e->quiet_wakes < n);
}

/* Delivers until stopped (or, with once, until nothing is pending). */
static void worker_loop(struct engine *e, int once)
{
	while (!service_stopping()) {
		long long now = now_ms();
		atomic_store(&e->looped_ms, config_mono_ms());
		if (now >= e->next_lease_ms)
			leases_tick(e);
		if (now >= e->next_prune_ms)
			prune(e);
		sources_check(e);
		for (int k = 0; k < e->nstreams && !service_stopping(); k++)
			stream_run_chain(e, &e->streams[k]);
		for (int k = 0; k < e->nstreams; k++) {
			struct stream *s = &e->streams[k];
			if (s->con->held && s->seen_ms && (once || now_ms() - s->seen_ms >= SKIP_RECORD_MS))
				skips_record(e, s);
		}
		int busy;
		long long t = wait_time(e, &busy);
		if (once && !busy) { /* done, unless this pass recorded events someone reads */
			sources_check(e);
			wait_time(e, &busy);
			if (!busy)
				break;
			continue;
		}
		if (t > 0) {
			wait_wake(e, log_flush_before_sleep(e, t));
		} else {
			log_flush_due(e);
		}
	}
}

/* The heartbeat's test (live.h): the loop came round within LIVE_STUCK_MS (idle, it does
 * every IDLE_WAIT_MS; busy, after each pass over the streams), unless something hangs it. */
static int looping(void *arg)
{
	struct engine *e = arg;
	static long stuck_ms = -1;
	if (stuck_ms < 0)
		stuck_ms = config_long("LIVE_STUCK_MS", 30000);
	return config_mono_ms() - atomic_load(&e->looped_ms) <= stuck_ms;
}

int delivery_run(const struct service *const *services, size_t n, int once)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e)
		return 1;
	e->inotify_fd = -1;
	int rc = worker_open(e, services, n);
	if (rc == 0) {
		log_info("delivering for %d consumers from %d sources as %s", e->ncons, e->nsrcs, e->owner);
		struct live live = {0};
		atomic_store(&e->looped_ms, config_mono_ms());
		if (!once) /* the watchdog replaces a worker that stops coming round */
			live_start(&live, "worker", looping, e);
		worker_loop(e, once);
		live_stop(&live);
	}
	worker_close(e);
	free(e);
	return rc ? 1 : 0;
}
