/* worker.c — the event worker: delivers every source's outbox to each consumer's policy,
 * applying an event and moving the consumer's offset in one transaction (exactly-once
 * effects), with backoff retries, dead letters, per-consumer leases, inotify wake-up and
 * outbox pruning.
 *   worker run | once | deadletters | replay CONSUMER:ID (or: replay ID [--consumer X]) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/service.h"

#define MAX_CONSUMERS 8
#define MAX_SOURCES 8
#define MAX_STREAMS 32
#define BATCH 256
#define BATCHES_PER_ROUND 8
#define ERR_LEN 512
#define IDLE_WAIT_MS 1000
/* A commit writes the -wal file (inotify fires) a moment before it becomes visible in the
 * wal-index, so a wake-up can find nothing new yet: look again after these delays. */
static const long long recheck_ms[] = {2, 20, 100};

enum outcome {
	DONE,      /* applied (or skipped) and the offset moved */
	STALE,     /* the offset moved under us: re-read it */
	FAILED,    /* rolled back; err says why */
	LOST,      /* another worker holds the consumer's lease */
	BACKOFF,   /* the stream waits for its next retry */
	STOPPING   /* shutting down */
};

struct source {
	const char *name;
	struct db *db;       /* read side: the outbox, and pruning */
	long long version;   /* last PRAGMA data_version seen */
};

struct consumer {
	const struct service *svc;
	struct db *db;
	int held; /* this process holds the lease */
};

struct stream { /* one (consumer, source) pair */
	struct consumer *con;
	struct source *src;
	int pending;           /* events may be waiting */
	long long retry_at_ms; /* wall-clock ms before which the head is not retried */
};

struct delivery { /* an outbox row in flight; ev points into doc */
	struct event ev;
	json_t *doc;
};

struct worker {
	struct consumer cons[MAX_CONSUMERS];
	struct source srcs[MAX_SOURCES];
	struct stream streams[MAX_STREAMS];
	int ncons, nsrcs, nstreams;
	struct delivery batch[BATCH];
	char owner[160], host[64];
	long long lease_ms, backoff_ms, backoff_max_ms, max_attempts, retention_s, prune_ms;
	long long next_lease_ms, next_prune_ms;
	int inotify_fd, trace, first_lease;
	int quiet_wakes; /* wake-ups in a row with no file change */
	int leases; /* 0: WORKER_LEASES=0, a drill where only the offset compare-and-set guards */
};

static volatile sig_atomic_t stopping;

int service_stopping(void) { return stopping; }

int service_sleep_ms(long ms)
{
	long long until = config_mono_ms() + ms;
	while (!stopping && config_mono_ms() < until) {
		struct timespec slice = {0, 20 * 1000000L};
		nanosleep(&slice, NULL);
	}
	return stopping;
}

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Wall-clock milliseconds (shared by processes through the database). */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every service linked into the worker; those with a policy and subscriptions consume. */
static const struct service *const services[] = {&rooms_service,   &reservations_service, &payments_service,
                                                 &tickets_service, &messages_service,     &mypage_service};

/* The row of subs naming events of type from source, or NULL when no row does. */
static const struct subscription *subscription_find(const struct subscription *subs, const char *source,
                                                    const char *type)
{
	for (const struct subscription *row = subs; row && row->source; row++)
		if (strcmp(row->source, source) == 0 && strcmp(row->type, type) == 0)
			return row;
	return NULL;
}

/* ---- bookkeeping in the consumer's database ---- */

/* Reads the consumer's offset in source into *pos (0 when none). Returns 0 or -1. */
static int offset_get(struct db *db, const char *source, long long *pos)
{
	sqlite3_stmt *st = db_prep(db, "SELECT position FROM consumer_offset WHERE source = ?");
	db_bind_text(st, 1, source);
	*pos = 0;
	return db_scalar_int(st, pos) < 0 ? -1 : 0;
}

/* Moves the offset to pos and forgets any retry of source. Inside a transaction. */
static int offset_set(struct db *db, const char *source, long long pos)
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
static enum outcome guard(struct worker *w, struct stream *s, long long expect, char *err, size_t errlen)
{
	long long pos, mine = 0;
	struct db *db = s->con->db;
	if (offset_get(db, s->src->name, &pos)) {
		snprintf(err, errlen, "read offset: %s", sqlite3_errmsg(db->h));
		return FAILED;
	}
	if (pos != expect)
		return STALE;
	if (!w->leases)
		return DONE;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM consumer_lease WHERE name = ? AND owner = ?");
	db_bind_text(st, 1, s->con->svc->name);
	db_bind_text(st, 2, w->owner);
	if (db_scalar_int(st, &mine) < 0) {
		snprintf(err, errlen, "read lease: %s", sqlite3_errmsg(db->h));
		return FAILED;
	}
	return mine ? DONE : LOST;
}

/* Holds the stream back for one base backoff after a failure that is not the event's
 * (a locked or unreadable database); logs it. Returns BACKOFF. */
static enum outcome stream_pause(struct worker *w, struct stream *s, const char *why)
{
	log_warn("%s <- %s: paused for %lld ms: %s", s->con->svc->name, s->src->name, w->backoff_ms, why);
	s->retry_at_ms = now_ms() + w->backoff_ms;
	return BACKOFF;
}

/* Calls the handler svc's subscription table names for ev, with the event's correlation
 * and causation set. An ignored type (NULL handler) does nothing; a type no row names
 * fails with "no handler for ...". */
static int run_policy(const struct service *svc, struct db *db, const struct event *ev, char *err, size_t errlen)
{
	err[0] = '\0';
	const struct subscription *row = subscription_find(svc->subs, ev->source, ev->type);
	if (!row) {
		snprintf(err, errlen, "no handler for %s/%s in consumer %s", ev->source, ev->type, svc->name);
		return -1;
	}
	if (!row->handler)
		return 0;
	if (!json_is_object(ev->data)) {
		snprintf(err, errlen, "event data is not a JSON object");
		return -1;
	}
	log_set_request_id(ev->correlation_id);
	event_set_cause(ev->event_id);
	int rc = row->handler(db, ev, err, errlen);
	if (!rc && sqlite3_get_autocommit(db->h)) { /* SQLite rolled back on an error the policy missed */
		snprintf(err, errlen, "the transaction was rolled back: %s", sqlite3_errmsg(db->h));
		rc = -1;
	}
	if (rc && !err[0])
		snprintf(err, errlen, "the policy failed");
	event_set_cause(NULL);
	log_set_request_id(NULL);
	return rc;
}

/* In one transaction on the consumer: checks the offset is `expect` (compare-and-set) and
 * the lease ours, applies ev when it is given, and moves the offset to pos. */
static enum outcome deliver(struct worker *w, struct stream *s, const struct event *ev, long long pos,
                            long long expect, char *err, size_t errlen)
{
	struct db *db = s->con->db;
	if (db_begin(db)) { /* the database is locked or unwell: not the event's fault */
		snprintf(err, errlen, "begin: %s", sqlite3_errmsg(db->h));
		return stream_pause(w, s, err);
	}
	enum outcome o = guard(w, s, expect, err, errlen);
	if (o == DONE && ev && run_policy(s->con->svc, db, ev, err, errlen))
		o = FAILED;
	if (o == DONE && offset_set(db, s->src->name, pos)) {
		snprintf(err, errlen, "move offset: %s", sqlite3_errmsg(db->h));
		o = FAILED;
	}
	if (o == DONE && db_commit(db)) {
		snprintf(err, errlen, "commit: %s", sqlite3_errmsg(db->h));
		o = FAILED;
	}
	if (o != DONE)
		db_rollback(db);
	return o;
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
static long long backoff_delay(const struct worker *w, long long attempts)
{
	long long d = w->backoff_ms;
	for (long long i = 1; i < attempts && d < w->backoff_max_ms; i++)
		d *= 2;
	return d < w->backoff_max_ms ? d : w->backoff_max_ms;
}

/* Parks d in dead_letter with the error and the attempts made. Inside a transaction. */
static int park(struct stream *s, const struct delivery *d, long long attempts, const char *error)
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
static enum outcome record_failure(struct worker *w, struct stream *s, const struct delivery *d, long long expect,
                                   const char *error, int final)
{
	char err[ERR_LEN] = "";
	struct db *db = s->con->db;
	const char *who = s->con->svc->name;
	if (db_begin(db))
		goto transient;
	enum outcome o = guard(w, s, expect, err, sizeof err);
	if (o != DONE) {
		db_rollback(db);
		if (o == FAILED)
			goto transient;
		return o;
	}
	long long attempts = retry_attempts(db, s->src->name, d->ev.pos) + 1;
	int parked = final || attempts >= w->max_attempts;
	long long delay = backoff_delay(w, attempts);
	int rc = parked ? park(s, d, attempts, error) || offset_set(db, s->src->name, d->ev.pos)
	                : retry_save(s, d->ev.pos, attempts, now_ms() + delay, error);
	if (rc || db_commit(db)) {
		db_rollback(db);
		goto transient;
	}
	log_set_request_id(d->ev.correlation_id);
	if (parked)
		log_error("%s <- %s #%lld %s %s: parked as a dead letter after %lld attempts: %s", who, s->src->name,
		          d->ev.pos, d->ev.type, d->ev.event_id, attempts, error);
	else
		log_warn("%s <- %s #%lld %s %s: attempt %lld failed, retry in %lld ms: %s", who, s->src->name,
		         d->ev.pos, d->ev.type, d->ev.event_id, attempts, delay, error);
	log_set_request_id(NULL);
	s->retry_at_ms = parked ? 0 : now_ms() + delay;
	return parked ? DONE : BACKOFF;
transient:
	snprintf(err, sizeof err, "cannot record the failure of #%lld (%.100s): %.300s", d->ev.pos,
	         sqlite3_errmsg(db->h), error);
	return stream_pause(w, s, err);
}

/* True (and s->retry_at_ms set) when the head of the stream waits for a retry. */
static int in_backoff(struct worker *w, struct stream *s)
{
	long long pos = 0, next_at = 0;
	if (s->retry_at_ms > now_ms())
		return 1;
	if (offset_get(s->con->db, s->src->name, &pos)) {
		stream_pause(w, s, sqlite3_errmsg(s->con->db->h));
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
	return 0;
}

/* ---- reading outboxes ---- */

/* Points ev's fields into doc, an event document with camelCase keys. */
static void event_bind(struct event *ev, json_t *doc, const char *source, long long pos)
{
	ev->pos = pos;
	ev->source = source;
	ev->event_id = json_string_value(json_object_get(doc, "eventId"));
	ev->type = json_string_value(json_object_get(doc, "type"));
	ev->aggregate_type = json_string_value(json_object_get(doc, "aggregateType"));
	ev->aggregate_id = json_integer_value(json_object_get(doc, "aggregateId"));
	ev->seq = json_integer_value(json_object_get(doc, "seq"));
	ev->occurred_at = json_string_value(json_object_get(doc, "occurredAt"));
	ev->correlation_id = json_string_value(json_object_get(doc, "correlationId"));
	ev->causation_id = json_string_value(json_object_get(doc, "causationId"));
	ev->data = json_object_get(doc, "data");
	if (!ev->event_id)
		ev->event_id = "";
	if (!ev->type)
		ev->type = "";
}

static void batch_free(struct worker *w, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(w->batch[i].doc);
}

/* Reads up to BATCH events of src after position `after` into w->batch. The data text
 * is parsed; when it is not JSON it stays a string (and fails delivery). Returns the
 * count, or -1 on a read error (logged). */
static int outbox_read(struct worker *w, struct source *src, long long after)
{
	sqlite3_stmt *st = db_prep(src->db, "SELECT id AS pos, event_id AS eventId, type, aggregate_type AS aggregateType, "
	                                    "aggregate_id AS aggregateId, seq, occurred_at AS occurredAt, "
	                                    "correlation_id AS correlationId, causation_id AS causationId, data "
	                                    "FROM outbox WHERE id > ? ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, BATCH);
	int n = 0, rc;
	while (n < BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc = db_row_json(st);
		long long pos = json_integer_value(json_object_get(doc, "pos"));
		const char *text = json_string_value(json_object_get(doc, "data"));
		json_t *data = text ? json_loads(text, 0, NULL) : NULL;
		json_object_del(doc, "pos");
		if (data)
			json_object_set_new(doc, "data", data);
		w->batch[n].doc = doc;
		event_bind(&w->batch[n].ev, doc, src->name, pos);
		n++;
	}
	db_done(st);
	if (n < BATCH && rc != SQLITE_DONE) {
		log_error("read outbox of %s: %s", src->name, sqlite3_errmsg(src->db->h));
		batch_free(w, n);
		return -1;
	}
	return n;
}

/* ---- delivering ---- */

/* Whether the consumer of s ignores ev on purpose (a row with no handler). */
static int ignored(const struct stream *s, const struct event *ev)
{
	const struct subscription *row = subscription_find(s->con->svc->subs, s->src->name, ev->type);
	return row && !row->handler;
}

/* Delivers w->batch[0..n) to s in order, the offset being `at` before the first.
 * Consecutive events the consumer ignores move the offset in one go; an event of a type
 * its table does not name is parked at once (retrying cannot teach it the type). */
static enum outcome batch_deliver(struct worker *w, struct stream *s, int n, long long at)
{
	char err[ERR_LEN];
	for (int i = 0; i < n;) {
		if (stopping)
			return STOPPING;
		int j = i;
		while (j < n && ignored(s, &w->batch[j].ev))
			j++;
		const struct delivery *d = &w->batch[j > i ? j - 1 : i];
		enum outcome o = deliver(w, s, j > i ? NULL : &d->ev, d->ev.pos, at, err, sizeof err);
		if (o == FAILED && j > i)
			return stream_pause(w, s, err);
		int failed = o == FAILED;
		if (failed)
			o = record_failure(w, s, d, at, err,
			                   !subscription_find(s->con->svc->subs, s->src->name, d->ev.type));
		if (o != DONE)
			return o;
		if (w->trace && j == i && !failed)
			log_info("%s <- %s #%lld %s %s applied by %ld", s->con->svc->name, s->src->name, d->ev.pos,
			         d->ev.type, d->ev.event_id, (long)getpid());
		at = d->ev.pos;
		i = j > i ? j : i + 1;
	}
	return DONE;
}

/* Delivers what is waiting in one stream, up to BATCHES_PER_ROUND batches; clears
 * s->pending once the stream has caught up. */
static void stream_run(struct worker *w, struct stream *s)
{
	if (!s->con->held || !s->pending || in_backoff(w, s))
		return;
	for (int b = 0; b < BATCHES_PER_ROUND && !stopping; b++) {
		long long at;
		if (offset_get(s->con->db, s->src->name, &at)) {
			stream_pause(w, s, sqlite3_errmsg(s->con->db->h));
			return;
		}
		int n = outbox_read(w, s->src, at);
		if (n < 0) {
			stream_pause(w, s, "the outbox could not be read");
			return;
		}
		enum outcome o = batch_deliver(w, s, n, at);
		batch_free(w, n);
		if (o == LOST)
			s->con->held = 0;
		if (o == STALE && w->trace)
			log_info("%s <- %s: offset moved by another worker", s->con->svc->name, s->src->name);
		if (o == STALE)
			continue;
		if (o != DONE)
			return;
		if (n < BATCH) {
			s->pending = 0;
			return;
		}
		if (now_ms() >= w->next_lease_ms)
			return; /* let the loop renew the leases first */
	}
}

/* Marks the streams of sources with new commits (PRAGMA data_version) as pending. */
static void sources_check(struct worker *w)
{
	for (int i = 0; i < w->nsrcs; i++) {
		struct source *src = &w->srcs[i];
		long long v = -1;
		if (db_scalar_int(db_prep(src->db, "PRAGMA data_version"), &v) == 1 && v == src->version)
			continue;
		src->version = v;
		for (int k = 0; k < w->nstreams; k++)
			if (w->streams[k].src == src)
				w->streams[k].pending = 1;
	}
}

/* ---- leases ---- */

/* True when owner ("host:pid:nonce") names a process of this host that no longer exists. */
static int owner_dead(const struct worker *w, const char *owner)
{
	size_t hl = strlen(w->host);
	if (strncmp(owner, w->host, hl) != 0 || owner[hl] != ':')
		return 0;
	long pid = strtol(owner + hl + 1, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Takes or renews the lease of consumer c when it is ours, held by a dead process of this
 * host, or free: expired more than grace_ms ago (a worker already holding its share waits
 * that long, so another worker gets the consumer first). Returns 1 when held afterwards. */
static int lease_take(struct worker *w, struct consumer *c, long long grace_ms)
{
	long long now = now_ms();
	int free_to_take = 1;
	if (!w->leases)
		return 1;
	if (db_begin(c->db))
		return 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT owner, expires_ms FROM consumer_lease WHERE name = ?");
	db_bind_text(st, 1, c->svc->name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(st, 0);
		free_to_take = strcmp(owner, w->owner) == 0 || sqlite3_column_int64(st, 1) < now - grace_ms ||
		               owner_dead(w, owner);
	}
	db_done(st);
	if (!free_to_take) {
		db_rollback(c->db);
		return 0;
	}
	st = db_prep(c->db, "INSERT INTO consumer_lease(name, owner, expires_ms) VALUES (?1, ?2, ?3) "
	                    "ON CONFLICT(name) DO UPDATE SET owner = ?2, expires_ms = ?3");
	db_bind_text(st, 1, c->svc->name);
	db_bind_text(st, 2, w->owner);
	sqlite3_bind_int64(st, 3, now + w->lease_ms);
	if (db_run(st) != SQLITE_DONE || db_commit(c->db)) {
		db_rollback(c->db);
		return 0;
	}
	return 1;
}

/* Hands consumer c to another worker: its lease ends now. */
static void lease_give_up(struct worker *w, struct consumer *c)
{
	c->held = 0;
	if (db_begin(c->db))
		return;
	sqlite3_stmt *st = db_prep(c->db, "UPDATE consumer_lease SET expires_ms = ? WHERE name = ? AND owner = ?");
	sqlite3_bind_int64(st, 1, now_ms());
	db_bind_text(st, 2, c->svc->name);
	db_bind_text(st, 3, w->owner);
	if (db_run(st) != SQLITE_DONE || db_commit(c->db))
		db_rollback(c->db);
}

/* The folder where each running worker keeps a file named after its lease owner. */
static void alive_dir(char *out, size_t size) { snprintf(out, size, "%s/run/workers", config_var()); }

/* Announces (on) or withdraws this worker, so that workers can share the consumers out. */
static void alive_announce(const struct worker *w, int on)
{
	char dir[PATH_MAX], path[PATH_MAX + 200];
	alive_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/run", config_var());
	mkdir(path, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/%s", dir, w->owner);
	if (!on) {
		unlink(path);
		return;
	}
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

/* Workers running now (at least this one). Files of dead processes of this host go. */
static int alive_count(const struct worker *w)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	int n = 0;
	alive_dir(dir, sizeof dir);
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (owner_dead(w, e->d_name)) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		} else {
			n++;
		}
	}
	if (d)
		closedir(d);
	return n > 0 ? n : 1;
}

/* Takes or renews consumers' leases, up to this worker's share of them (consumers /
 * running workers, rounded up), handing any above it to the others; a consumer nobody
 * took for a lease period is taken all the same. A newly taken consumer is looked at
 * afresh. Each process starts at its own consumer so that workers prefer different ones. */
static void leases_tick(struct worker *w)
{
	int live = w->leases ? alive_count(w) : 1;
	int share = (w->ncons + live - 1) / live, held = 0;
	for (int n = 0; n < w->ncons; n++) {
		struct consumer *c = &w->cons[(n + w->first_lease) % w->ncons];
		int had = c->held;
		if (had && held >= share)
			lease_give_up(w, c);
		else
			c->held = lease_take(w, c, had || held < share ? 0 : w->lease_ms);
		held += c->held;
		if (c->held == had)
			continue;
		log_info("%s lease of %s", c->held ? "took the" : "gave up the", c->svc->name);
		for (int k = 0; k < w->nstreams; k++)
			if (w->streams[k].con == c) {
				w->streams[k].pending = 1;
				w->streams[k].retry_at_ms = 0;
			}
	}
	w->next_lease_ms = now_ms() + w->lease_ms / 3;
}

/* Gives up the leases this process holds so another worker can take over at once. */
static void leases_release(struct worker *w)
{
	for (int i = 0; i < w->ncons; i++) {
		struct consumer *c = &w->cons[i];
		if (!c->held || !w->leases || db_begin(c->db))
			continue;
		sqlite3_stmt *st = db_prep(c->db, "UPDATE consumer_lease SET expires_ms = 0 WHERE name = ? AND owner = ?");
		db_bind_text(st, 1, c->svc->name);
		db_bind_text(st, 2, w->owner);
		if (db_run(st) != SQLITE_DONE || db_commit(c->db))
			db_rollback(c->db);
		c->held = 0;
	}
}

/* ---- pruning ---- */

/* Deletes the outbox rows of src every consumer has passed and that are older than the
 * retention window. */
static void prune_source(struct worker *w, struct source *src)
{
	long long min = LLONG_MAX;
	for (int k = 0; k < w->nstreams; k++) {
		long long pos;
		if (w->streams[k].src != src)
			continue;
		if (offset_get(w->streams[k].con->db, src->name, &pos))
			return;
		min = pos < min ? pos : min;
	}
	if (min == LLONG_MAX || min <= 0 || db_begin(src->db))
		return;
	char age[32];
	snprintf(age, sizeof age, "-%lld seconds", w->retention_s);
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

static void prune(struct worker *w)
{
	for (int i = 0; i < w->nsrcs; i++)
		prune_source(w, &w->srcs[i]);
	w->next_prune_ms = now_ms() + w->prune_ms;
}

/* ---- setup ---- */

static struct source *source_get(struct worker *w, const char *name)
{
	for (int i = 0; i < w->nsrcs; i++)
		if (strcmp(w->srcs[i].name, name) == 0)
			return &w->srcs[i];
	if (w->nsrcs == MAX_SOURCES)
		return NULL;
	struct source *src = &w->srcs[w->nsrcs];
	src->name = name;
	src->version = -1;
	src->db = db_open(name);
	if (!src->db)
		return NULL;
	w->nsrcs++;
	return src;
}

/* Opens a consumer's database and one stream per subscription. Returns 0 or -1. */
static int consumer_add(struct worker *w, const struct service *svc)
{
	if (w->ncons == MAX_CONSUMERS)
		return -1;
	struct consumer *c = &w->cons[w->ncons];
	c->svc = svc;
	c->db = db_open(svc->name);
	if (!c->db)
		return -1;
	w->ncons++;
	for (const struct subscription *sub = svc->subs; sub->source; sub++) {
		struct source *src = source_get(w, sub->source);
		if (!src || w->nstreams == MAX_STREAMS)
			return -1;
		int known = 0;
		for (int k = 0; k < w->nstreams; k++)
			known |= w->streams[k].con == c && w->streams[k].src == src;
		if (!known)
			w->streams[w->nstreams++] = (struct stream){c, src, 1, 0};
	}
	return 0;
}

static void worker_config(struct worker *w)
{
	unsigned int nonce = 0;
	if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
		nonce = (unsigned int)now_ms();
	if (gethostname(w->host, sizeof w->host) != 0)
		snprintf(w->host, sizeof w->host, "localhost");
	w->host[sizeof w->host - 1] = '\0';
	snprintf(w->owner, sizeof w->owner, "%s:%ld:%08x", w->host, (long)getpid(), nonce);
	w->first_lease = (int)(nonce % MAX_CONSUMERS);
	w->lease_ms = config_long("WORKER_LEASE_MS", 5000);
	w->backoff_ms = config_long("WORKER_BACKOFF_MS", 100);
	w->backoff_max_ms = config_long("WORKER_BACKOFF_MAX_MS", 60000);
	w->max_attempts = config_long("WORKER_MAX_ATTEMPTS", 5);
	w->retention_s = config_long("OUTBOX_RETENTION_S", 86400);
	w->prune_ms = config_long("WORKER_PRUNE_INTERVAL_MS", 60000);
	w->trace = config_long("WORKER_TRACE", 0) != 0;
	w->leases = config_long("WORKER_LEASES", 1) != 0;
	if (w->lease_ms < 300)
		w->lease_ms = 300;
	if (w->backoff_ms < 1)
		w->backoff_ms = 1;
	if (w->max_attempts < 1)
		w->max_attempts = 1;
}

/* Opens every consumer and source and the inotify watch. Returns 0 or -1 (logged). */
static int worker_open(struct worker *w)
{
	worker_config(w);
	for (size_t i = 0; i < sizeof services / sizeof *services; i++)
		if (services[i]->subs && consumer_add(w, services[i]))
			return -1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/db", config_var());
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd < 0 || inotify_add_watch(w->inotify_fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE) < 0)
		log_warn("inotify on %s: %s; falling back to a %d ms poll", dir, strerror(errno), IDLE_WAIT_MS);
	w->next_prune_ms = now_ms() + 5000;
	alive_announce(w, 1);
	return 0;
}

static void worker_close(struct worker *w)
{
	leases_release(w);
	alive_announce(w, 0);
	for (int i = 0; i < w->ncons; i++)
		db_close(w->cons[i].db);
	for (int i = 0; i < w->nsrcs; i++)
		db_close(w->srcs[i].db);
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
}

/* ---- the loop ---- */

/* Milliseconds until something is due: 0 when a stream can run now. *busy tells whether
 * any stream this process holds still has events waiting (perhaps in backoff). */
static long long wait_time(struct worker *w, int *busy)
{
	long long now = now_ms(), t = IDLE_WAIT_MS;
	*busy = 0;
	for (int k = 0; k < w->nstreams; k++) {
		struct stream *s = &w->streams[k];
		if (!s->con->held || !s->pending)
			continue;
		*busy = 1;
		if (s->retry_at_ms <= now)
			return 0;
		t = s->retry_at_ms - now < t ? s->retry_at_ms - now : t;
	}
	t = w->next_lease_ms - now < t ? w->next_lease_ms - now : t;
	t = w->next_prune_ms - now < t ? w->next_prune_ms - now : t;
	return t > 0 ? t : 0;
}

/* Sleeps until a database file changes, ms pass, or a stop signal comes (no lost wake-up:
 * the signals are only let through inside ppoll). Shortly after a change, ms is capped by
 * recheck_ms, in case the commit that caused it was not visible yet. */
static void wait_wake(struct worker *w, long long ms)
{
	int n = (int)(sizeof recheck_ms / sizeof *recheck_ms);
	if (w->quiet_wakes < n && recheck_ms[w->quiet_wakes] < ms)
		ms = recheck_ms[w->quiet_wakes];
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!stopping) {
		struct pollfd p = {.fd = w->inotify_fd, .events = POLLIN};
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
		ppoll(&p, w->inotify_fd >= 0 ? 1 : 0, &ts, &old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	char buf[4096];
	int changed = 0;
	while (w->inotify_fd >= 0 && read(w->inotify_fd, buf, sizeof buf) > 0)
		changed = 1;
	w->quiet_wakes = changed ? 0 : w->quiet_wakes + (w->quiet_wakes < n);
}

/* Delivers until stopped (or, with once, until nothing is pending). */
static void worker_loop(struct worker *w, int once)
{
	while (!stopping) {
		long long now = now_ms();
		if (now >= w->next_lease_ms)
			leases_tick(w);
		if (now >= w->next_prune_ms)
			prune(w);
		sources_check(w);
		for (int k = 0; k < w->nstreams && !stopping; k++)
			stream_run(w, &w->streams[k]);
		int busy;
		long long t = wait_time(w, &busy);
		if (once && !busy) { /* done, unless this pass recorded events someone reads */
			sources_check(w);
			wait_time(w, &busy);
			if (!busy)
				break;
			continue;
		}
		if (t > 0)
			wait_wake(w, t);
	}
}

static int cmd_run(int once)
{
	static struct worker w = {.inotify_fd = -1};
	struct sigaction sa = {0};
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocking call returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = worker_open(&w);
	if (rc == 0) {
		log_info("delivering for %d consumers from %d sources as %s", w.ncons, w.nsrcs, w.owner);
		worker_loop(&w, once);
	}
	worker_close(&w);
	return rc ? 1 : 0;
}

/* ---- operator commands ---- */

static const struct service *consumer_named(const char *name)
{
	for (size_t i = 0; i < sizeof services / sizeof *services; i++)
		if (services[i]->subs && strcmp(services[i]->name, name) == 0)
			return services[i];
	return NULL;
}

/* Prints one JSON line per dead letter of every consumer. */
static int cmd_deadletters(void)
{
	for (size_t i = 0; i < sizeof services / sizeof *services; i++) {
		if (!services[i]->subs)
			continue;
		struct db *db = db_open(services[i]->name);
		if (!db)
			return 1;
		sqlite3_stmt *st = db_prep(db, "SELECT ?1 AS consumer, id, source, event_id AS eventId, type, error, "
		                               "attempts, state, created_at AS createdAt FROM dead_letter ORDER BY id");
		db_bind_text(st, 1, services[i]->name);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *row = db_row_json(st);
			char *line = json_dumps(row, JSON_COMPACT);
			printf("%s\n", line ? line : "{}");
			free(line);
			json_decref(row);
		}
		db_done(st);
		db_close(db);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Notes a failed replay on the dead letter: one more attempt and the new error. */
static void replay_failed(struct db *db, long long id, const char *error)
{
	if (db_begin(db))
		return;
	sqlite3_stmt *st = db_prep(db, "UPDATE dead_letter SET attempts = attempts + 1, error = ? WHERE id = ?");
	db_bind_text(st, 1, error);
	sqlite3_bind_int64(st, 2, id);
	if (db_run(st) != SQLITE_DONE || db_commit(db))
		db_rollback(db);
}

/* Applies dead letter id of consumer svc again, in one transaction that also marks it
 * replayed. Returns 0 when applied (or already replayed), 1 when it failed again. */
static int replay(const struct service *svc, struct db *db, long long id)
{
	char err[ERR_LEN] = "";
	if (db_begin(db))
		return 1;
	sqlite3_stmt *st = db_prep(db, "SELECT source, position, event, state FROM dead_letter WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	json_t *row = sqlite3_step(st) == SQLITE_ROW ? db_row_json(st) : NULL;
	db_done(st);
	const char *state = json_string_value(json_object_get(row, "state"));
	if (!row || strcmp(state, "replayed") == 0) {
		db_rollback(db);
		fprintf(stderr, row ? "dead letter %s:%lld was already replayed\n" : "no dead letter %s:%lld\n", svc->name, id);
		json_decref(row);
		return row ? 0 : 1;
	}
	json_t *doc = json_loads(json_string_value(json_object_get(row, "event")), 0, NULL);
	struct event ev;
	event_bind(&ev, doc, json_string_value(json_object_get(row, "source")),
	           json_integer_value(json_object_get(row, "position")));
	int rc = run_policy(svc, db, &ev, err, sizeof err);
	st = db_prep(db, "UPDATE dead_letter SET state = 'replayed', "
	                 "replayed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (!rc && (db_run(st) != SQLITE_DONE || db_commit(db))) {
		snprintf(err, sizeof err, "commit: %s", sqlite3_errmsg(db->h));
		rc = 1;
	}
	if (rc) {
		db_rollback(db);
		replay_failed(db, id, err);
		log_error("replay of %s dead letter %lld (%s) failed: %s", svc->name, id, ev.type, err);
	} else {
		log_info("replayed %s dead letter %lld (%s %s)", svc->name, id, ev.type, ev.event_id);
	}
	json_decref(doc);
	json_decref(row);
	return rc ? 1 : 0;
}

/* replay CONSUMER:ID | replay ID --consumer CONSUMER */
static int cmd_replay(int argc, char **argv)
{
	char name[64] = "";
	long long id = 0;
	const char *colon = argc > 2 ? strchr(argv[2], ':') : NULL;
	if (colon && (size_t)(colon - argv[2]) < sizeof name) {
		snprintf(name, sizeof name, "%.*s", (int)(colon - argv[2]), argv[2]);
		id = atoll(colon + 1);
	} else if (argc > 4 && strcmp(argv[3], "--consumer") == 0) {
		snprintf(name, sizeof name, "%s", argv[4]);
		id = atoll(argv[2]);
	}
	const struct service *svc = consumer_named(name);
	if (!svc || id < 1) {
		fprintf(stderr, "usage: worker replay CONSUMER:ID | worker replay ID --consumer CONSUMER\n");
		return 2;
	}
	struct db *db = db_open(svc->name);
	if (!db)
		return 1;
	int rc = replay(svc, db, id);
	db_close(db);
	return rc;
}

int main(int argc, char **argv)
{
	log_init("worker");
	const char *cmd = argc > 1 ? argv[1] : "run";
	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "once") == 0)
		return cmd_run(strcmp(cmd, "once") == 0);
	if (strcmp(cmd, "deadletters") == 0)
		return cmd_deadletters();
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc, argv);
	fprintf(stderr, "usage: worker run | once | deadletters | replay CONSUMER:ID\n");
	return 2;
}
