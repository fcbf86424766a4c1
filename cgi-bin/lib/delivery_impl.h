/* delivery_impl.h — the delivery engine's own state, shared by its parts (not for
 * services or tests: they use delivery.h). delivery.c runs the loop, delivery_books.c
 * keeps offsets, retries, dead letters and pruning, delivery_lease.c the per-consumer
 * leases, delivery_dispatch.c finds a handler in a subscription table. */
#ifndef RB_DELIVERY_IMPL_H
#define RB_DELIVERY_IMPL_H
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "delivery.h"
#include "event.h"
#include "service.h"

#define MAX_CONSUMERS 8
#define MAX_SOURCES 8
#define MAX_STREAMS 32
#define BATCH 256
#define READ_CACHE 256 /* a power of two */
#define ERR_LEN 512
/* Page cache of each of the worker's connections, in KB. It has one to every source and
 * every consumer (a dozen); at SQLite's default of 2 MB each, the pages a saturated run
 * touched stayed cached: 17 MB of heap after 8 s of bookings, the worker at 27-33 MB of
 * RSS. It reads the tail of each outbox and writes a few rows a consumer per batch:
 * 64 pages hold those paths; the rest comes from the kernel's cache. */
#define WORKER_CACHE_KB 256

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
	unsigned char wal_seen[DB_WAL_HEADER]; /* its WAL's header then (db_wal_unchanged) */
	long long durable;   /* outbox rows up to this id were read before a db_durable: on disk */
	long long wait_pos;  /* the first row not known on disk that a stream waits for (0: none)... */
	long long wait_ms;   /* ...since then (config_mono_ms; source_durable) */
	/* the events last read, parsed, by position (pos % READ_CACHE): the source's other
	 * consumers read the same rows a moment later (outbox_read) */
	struct {
		long long pos;
		json_t *doc;
	} read[READ_CACHE];
};

struct consumer {
	const struct service *svc;
	struct db *db;
	int held; /* this process holds the lease */
	int derived; /* its database is synchronous=NORMAL: a projection, cheap to commit */
};

struct stream { /* one (consumer, source) pair */
	struct consumer *con;
	struct source *src;
	int pending;           /* events may be waiting */
	long long retry_at_ms; /* wall-clock ms before which the head is not retried */
	int may_retry;         /* consumer_retry may hold a row for this stream (in_backoff asks) */
	long long seen;        /* events up to here were all ignored: read on from here... */
	long long seen_ms;     /* ...and since then (0: nothing skipped) the offset lags behind */
	int waits_durable;     /* its next rows wait for the source's durable mark (source_durable) */
	long long at;          /* the offset, as this process last read or moved it... */
	int at_known;          /* ...when set (an outcome other than DONE clears it) */
};

struct in_flight { /* an outbox row being delivered; ev points into doc */
	struct event ev;
	json_t *doc;
};

struct engine {
	struct consumer cons[MAX_CONSUMERS];
	struct source srcs[MAX_SOURCES];
	struct stream streams[MAX_STREAMS];
	int ncons, nsrcs, nstreams;
	struct in_flight batch[BATCH];
	char owner[160], host[64];
	long pid; /* this process's, read once */
	long long lease_ms, backoff_ms, backoff_max_ms, max_attempts, retention_s, prune_ms;
	long long durable_wait_ms; /* rows not known on disk wait this long for their doorbell (source_durable) */
	long long next_lease_ms, next_prune_ms;
	long long flushed_ms; /* when the log (stderr) was last flushed (log_flush_due; config_mono_ms) */
	int inotify_fd, trace, first_lease;
	int quiet_wakes; /* wake-ups in a row with no file change */
	long long applied; /* events applied so far by this process */
	int leases; /* 0: WORKER_LEASES=0, a drill where only the offset compare-and-set guards */
	_Atomic long long looped_ms; /* config_mono_ms when worker_loop last came round (the heartbeat's test) */
};

/* Wall-clock milliseconds (shared by processes through the database). */
static inline long long now_ms(void) { return config_wall_ms(); }

/* ---- delivery_books.c: bookkeeping in the consumer's database ---- */

/* Reads the consumer's offset in source into *pos (0 when none). Returns 0 or -1. */
int offset_get(struct db *db, const char *source, long long *pos);
/* Moves the offset to pos and forgets any retry of source. Inside a transaction. */
int offset_set(struct db *db, const char *source, long long pos);
/* Inside a transaction: DONE when the offset is still `expect` and the lease is ours;
 * STALE, LOST, or FAILED with the reason in err. */
enum outcome guard(struct engine *e, struct stream *s, long long expect, char *err, size_t errlen);
/* Holds the stream back for one base backoff after a failure that is not the event's
 * (a locked or unreadable database); logs it. Returns BACKOFF. */
enum outcome stream_pause(struct engine *e, struct stream *s, const char *why);
/* Counts a failed delivery of d (the offset being expect) in its own transaction: a
 * retry with backoff (BACKOFF), or, after the last attempt or at once when final, the
 * event parked as a dead letter and the offset moved past it (DONE). Logs one line. */
enum outcome record_failure(struct engine *e, struct stream *s, const struct in_flight *d, long long expect,
                            const char *error, int final);
/* True (and s->retry_at_ms set) when the head of the stream waits for a retry. */
int in_backoff(struct engine *e, struct stream *s);
/* Deletes the outbox rows every consumer has passed and that are older than the
 * retention window, in every source; schedules the next pass. */
void prune(struct engine *e);

/* ---- delivery_lease.c: one worker process at a time per consumer ---- */

/* Announces (on) or withdraws this process in var/run/workers, so that workers can
 * share the consumers out. */
void alive_announce(const struct engine *e, int on);
/* Takes or renews this process's share of the consumers' leases, hands the rest to the
 * other workers; a consumer newly taken is looked at afresh. */
void leases_tick(struct engine *e);
/* Gives up the leases this process holds so another worker can take over at once. */
void leases_release(struct engine *e);

/* ---- delivery_dispatch.c ---- */

/* Points ev's fields into doc, an event document with camelCase keys; ev->source is
 * source and ev->pos pos. */
void event_bind(struct event *ev, json_t *doc, const char *source, long long pos);
#endif
