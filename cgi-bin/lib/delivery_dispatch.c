/* delivery_dispatch.c — the one place an event meets its handler: the consumer's
 * subscription table, looked up by (source, type). */
#include <stdio.h>
#include <string.h>

#include "delivery_impl.h"
#include "log.h"

const struct subscription *subscription_find(const struct subscription *subs, const char *source,
                                             const char *type)
{
	for (const struct subscription *row = subs; row && row->source; row++)
		if (strcmp(row->source, source) == 0 && strcmp(row->type, type) == 0)
			return row;
	return NULL;
}

int delivery_apply(const struct service *svc, struct db *db, const struct event *ev, char *err, size_t errlen)
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
	if (!rc && sqlite3_get_autocommit(db->h)) { /* SQLite rolled back on an error the handler missed */
		snprintf(err, errlen, "the transaction was rolled back: %s", sqlite3_errmsg(db->h));
		rc = -1;
	}
	if (rc && !err[0])
		snprintf(err, errlen, "the handler failed");
	event_set_cause(NULL);
	log_set_request_id(NULL);
	return rc;
}

void event_bind(struct event *ev, json_t *doc, const char *source, long long pos)
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
