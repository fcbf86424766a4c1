/* event.h — domain events: the outbox writer and the shape consumers receive. */
#ifndef RB_EVENT_H
#define RB_EVENT_H
#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

struct db;

struct event {
	long long pos;             /* outbox row id in the source database */
	const char *source;        /* the service that recorded it */
	const char *event_id;
	const char *type;
	const char *aggregate_type;
	long long aggregate_id;
	long long seq;
	const char *occurred_at;
	const char *correlation_id;
	const char *causation_id;
	json_t *data;              /* borrowed */
};

/* A consumer's handler for one event type (a row of its subscription table, service.h):
 * applies ev to db inside the caller's open write transaction. Returns 0 when applied,
 * nonzero on failure with a reason in err; the caller rolls back and retries later. */
typedef int (*policy_fn)(struct db *db, const struct event *ev, char *err, size_t errlen);

/* Sets this thread's causation id (the event being handled; NULL for a request). */
void event_set_cause(const char *event_id);
/* Records an event in db's outbox; must run inside the caller's write transaction.
 * data is stolen. Correlation is this thread's request id, causation the event set by
 * event_set_cause. Returns 0 or -1. */
int event_record(struct db *db, const char *aggregate_type, long long aggregate_id,
                 const char *type, json_t *data);
/* The positive integer field key of ev's data, or 0 with the reason in err when it is
 * missing or not one (a policy then fails: the event is retried, then parked). */
long long event_data_id(const struct event *ev, const char *key, char *err, size_t errlen);
/* Binds the integer field key of ev's data at index i of st, or NULL when it is absent
 * (events recorded before accounts existed carry no accountId or hostId). */
void event_bind_id(sqlite3_stmt *st, int i, const struct event *ev, const char *key);
/* Records an event whose data is the aggregate's resource as it now is (state, stolen;
 * NULL when it could not be read, which fails), with its id also under id_field
 * ("paymentId"). Inside the caller's write transaction. Returns 0 or -1. */
int event_record_state(struct db *db, const char *aggregate_type, long long id, const char *type,
                       json_t *state, const char *id_field);
/* Writes a random RFC 4122 version-4 uuid (37 bytes with the NUL). */
void event_uuid(char out[37]);
/* The event as its JSON document (new reference). */
json_t *event_json(const struct event *ev);
#endif
