/* service.h — what a service is: its name, its route table and its subscription table
 * (the events it reacts to, each with its handler). Each <service>.c defines one
 * `struct service`; the FastCGI main serves its routes and the worker delivers its
 * subscriptions (lib/delivery.h). */
#ifndef RB_SERVICE_H
#define RB_SERVICE_H
#include <stddef.h>

#include "event.h"
#include "http.h"

/* Every route needs a signed-in account unless it says otherwise (SPEC §6). */
enum route_flags {
	ROUTE_INTERNAL = 1,   /* only service-to-service: the internal listener with the secret */
	ROUTE_IDEMPOTENT = 2, /* honours the Idempotency-Key header */
	ROUTE_PUBLIC = 4,     /* anyone, signed in or not */
	ROUTE_AUTH = 8,       /* only the gateway's identity check (nginx auth_request) */
	ROUTE_PAGE = 16       /* a page for browsers (a form, a confirmation): 406 to a client that takes no HTML */
};

typedef int (*handler_fn)(struct ctx *c);

struct route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/rooms/{id}/reviews": {id} matches a positive integer */
	handler_fn handler;
	const char *params;  /* allowed query parameters, space-separated ("" for none) */
	int flags;
};

/* One row per (source, type) a consumer reads, like a route. The worker dispatches an
 * event of that type from that source's outbox to handler, inside the consumer's
 * transaction. handler NULL: the type is known and deliberately ignored (the offset
 * moves past it). An event of a source the table reads whose type no row names is a
 * loud failure: it is parked at once as a dead letter ("no handler for ..."). Every type
 * a source records must therefore have a row in each of its consumers' tables. */
struct subscription {
	const char *source; /* the service whose outbox is read */
	const char *type;   /* one event type, e.g. "ReservationCancelled" */
	policy_fn handler;  /* NULL: ignored on purpose */
};

struct service {
	const char *name;
	const struct route *routes;
	size_t nroutes;
	const struct subscription *subs; /* terminated by {NULL}; NULL when it consumes nothing */
	void (*background)(struct db *db); /* optional loop run on its own thread */
	/* Optional operator commands: `<program> COMMAND ARGS...` runs this with argv after
	 * the program name and db open (as the databases' owner); returns the exit status. */
	int (*command)(struct db *db, int argc, char **argv);
	/* Optional: what an idempotent route's replayed answer (its key sent again) is given
	 * before it goes out, as the handler dressed it the first time (a browser that reloads
	 * a form's answer sees the page it saw, with a fresh form); returns the status. */
	int (*replayed)(struct ctx *c, int status);
};

/* Finds the route for c->req, fills c->req->ids, checks the allowed query parameters,
 * cross-site forgery and sign-in, and calls the handler. Answers 400, 401/303, 403, 404
 * and 405 (+ Allow) itself. Returns the status. */
int route_dispatch(const struct service *svc, struct ctx *c);

/* For background loops: true once the process is shutting down. */
int service_stopping(void);
/* Sleeps up to ms, returning early (1) when the process is shutting down. */
int service_sleep_ms(long ms);
#endif
