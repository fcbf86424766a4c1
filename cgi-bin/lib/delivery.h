/* delivery.h — the delivery engine: carries each source's outbox to every consumer that
 * reads it, dispatching each event through the consumer's subscription table
 * (service.h), with the effect and the consumer's offset in one transaction
 * (exactly-once effects), retries with backoff, dead letters, per-consumer leases so
 * several worker processes share the work, doorbell and inotify wake-up and outbox pruning.
 * It names no service: the caller passes the table of services (cgi-bin/services.c).
 * Settings (environment): WORKER_LEASE_MS, WORKER_BACKOFF_MS, WORKER_BACKOFF_MAX_MS,
 * WORKER_MAX_ATTEMPTS, OUTBOX_RETENTION_S, WORKER_PRUNE_INTERVAL_MS, WORKER_TRACE,
 * WORKER_LEASES (docs/configuration.md). */
#ifndef RB_DELIVERY_H
#define RB_DELIVERY_H
#include <stddef.h>
#include <stdio.h>

#include "db.h"
#include "event.h"
#include "service.h"

/* The row of subs (terminated by {NULL}; NULL for none) naming events of type from
 * source, or NULL when no row does. */
const struct subscription *subscription_find(const struct subscription *subs, const char *source,
                                             const char *type);

/* The one place an event meets a handler: applies ev (ev->source and ev->type set) to
 * consumer svc's db, inside the caller's open write transaction, through the row of
 * svc's table that names it, with the log's request id and the causation of events it
 * records set from ev. Returns 0 when applied or ignored on purpose (a row with a NULL
 * handler); -1 with the reason in err when the handler fails, the data is not a JSON
 * object, or no row names the type ("no handler for SOURCE/TYPE in consumer NAME"). */
int delivery_apply(const struct service *svc, struct db *db, const struct event *ev, char *err, size_t errlen);

/* Delivers for every service of services[0..n) that has subscriptions until
 * service_stopping() says so, or, with once, until nothing is pending. An event whose
 * type the consumer's table does not name is parked at once; one whose handler fails is
 * retried with backoff and parked after WORKER_MAX_ATTEMPTS. Opens and closes the
 * databases itself. Returns 0, or 1 when a database could not be opened (logged). */
int delivery_run(const struct service *const *services, size_t n, int once);

/* The service of services[0..n) named name that consumes events, or NULL. */
const struct service *delivery_consumer(const struct service *const *services, size_t n, const char *name);

/* Writes one JSON line per dead letter of every consumer of services[0..n) to out:
 * consumer, id, source, eventId, type, error, attempts, state, createdAt.
 * Returns 0, or 1 when a database could not be opened or out failed. */
int delivery_dead_letters(const struct service *const *services, size_t n, FILE *out);

/* Applies dead letter id of consumer svc again through delivery_apply, in one
 * transaction that also marks it replayed; a failure counts one more attempt and keeps
 * the new error. Returns 0 when applied (or already replayed; said on stderr), 1 when it
 * failed again or there is no such dead letter. */
int delivery_replay(const struct service *svc, long long id);

/* Deletes parked dead letter id of consumer svc after writing it whole (its event
 * included) as one JSON line to out: for an event that must never apply. 0, or 1 (said
 * on stderr; a letter replayed or being replayed is kept). */
int delivery_discard(const struct service *svc, long long id, FILE *out);
#endif
