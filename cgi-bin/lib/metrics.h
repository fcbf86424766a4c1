/* metrics.h — Prometheus metrics shared by every process of one program.
 *
 * Each program (a service, or the worker) keeps its counters in one file,
 * <var>/run/<program>.metrics (0600, the stack's user), mapped MAP_SHARED by every one
 * of its processes and updated with atomic adds; whichever process answers a scrape
 * renders the whole file, so the figures are the program's, not one process's. The
 * layout is fixed (no allocation, no unbounded labels): requests per (route slot, status
 * 100..599), a latency histogram per route slot, SQLite busy waits, the circuit breaker
 * of every process per target, and up to METRICS_SERIES labelled counters named by the
 * caller (bookings by outcome, events handled per consumer). Until metrics_open is
 * called (unit tests, command-line tools) every hook does nothing. See
 * docs/operations.md ("Metrics"). */
#ifndef RB_METRICS_H
#define RB_METRICS_H
#include <stddef.h>

#include "buf.h"

struct service;
struct route;
struct ctx;

/* Maps (creating or resetting when its layout is not this build's) the metrics file of
 * program and claims this process's slot. routes may be NULL (the worker). Once per
 * process, before threads start. Returns 0, or -1 (logged; the hooks then do nothing). */
int metrics_open(const char *program, const struct route *routes, size_t nroutes);

/* Monotonic microseconds (for request and event durations). */
long long metrics_now_us(void);

/* The route slot of r among the program's routes (metrics_open), for metrics_request;
 * pseudo slots for what no route answers. */
enum { METRICS_ROUTE_NONE = -1, METRICS_ROUTE_HEALTH = -2, METRICS_ROUTE_METRICS = -3 };
int metrics_route_slot(const struct route *r);
/* The label of a slot: "/rooms/{id}", "(none)", "/health", "/metrics". */
const char *metrics_route_label(int slot);
/* Counts one answered request with its status and duration. */
void metrics_request(int slot, int status, long long duration_us);

/* Adds n to the labelled counter `series`: a family name ending in _total with its
 * labels, e.g. roombook_bookings_total{status="confirmed",reason=""}. The label values
 * must come from a fixed set (no user input). */
void metrics_count(const char *series, long long n);

/* SQLite: a write transaction found the database locked by another process and waited
 * (first=1 on the first pause of a wait) for ns nanoseconds; gave_up when it timed out. */
void metrics_busy_wait(int first, long long ns, int gave_up);
/* A thread waited for another thread of its process to finish a write transaction. */
void metrics_writer_wait(void);

/* The circuit breaker of this process to target changed: open_until_ms (config_mono_ms
 * clock) 0 = closed; in the future = open; in the past = half-open (next call probes).
 * opened: it has just opened. */
void metrics_circuit(const char *target, long long open_until_ms, int opened);

/* The path is /metrics/<name>: *name is set to the program asked for. */
int metrics_path(const char *path, const char **name);
/* True when a metrics scrape may be answered: it came through the internal listener
 * (internal_listener) and carries the stack's secret as X-Roombook-Secret (secret_header)
 * or as `Authorization: Bearer <secret>` (what Prometheus sends). */
int metrics_authorized(int internal_listener, const char *secret_header, const char *authorization);
/* Renders the metrics of program (this program's own file, or another's, such as the
 * worker's, mapped read-only) in the Prometheus text format 0.0.4 into out. Returns 0,
 * or -1 when program has no metrics file. */
int metrics_render(const char *program, struct buf *out);
/* Answers a scrape of program (metrics_db.c): its counters as text in c->res->text, and
 * for the service's own program the gauges its database knows (readiness, outbox head,
 * queue lag and dead letters per source it consumes). Returns 200, or 404. */
int metrics_serve(struct ctx *c, const char *program);
#endif
