/* delivery_ops.c — what an operator does with the delivery engine: list the dead
 * letters of every consumer, replay one, or discard one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery_impl.h"
#include "log.h"

const struct service *delivery_consumer(const struct service *const *services, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (services[i]->subs && strcmp(services[i]->name, name) == 0)
			return services[i];
	return NULL;
}

int delivery_dead_letters(const struct service *const *services, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
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
			fprintf(out, "%s\n", line ? line : "{}");
			free(line);
			json_decref(row);
		}
		db_done(st);
		db_close(db);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : 1;
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

/* Applies dead letter id of consumer svc again (see delivery_replay) on its open db. */
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
	int rc = delivery_apply(svc, db, &ev, err, sizeof err);
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

int delivery_replay(const struct service *svc, long long id)
{
	struct db *db = db_open(svc->name);
	if (!db)
		return 1;
	int rc = replay(svc, db, id);
	db_close(db);
	return rc;
}

int delivery_discard(const struct service *svc, long long id, FILE *out)
{
	struct db *db = db_open(svc->name);
	if (!db || db_begin(db)) {
		db_close(db);
		return 1;
	}
	sqlite3_stmt *st = db_prep(db, "SELECT ?2 AS consumer, id, source, position, event_id AS eventId, type, "
	                               "event, error, attempts, state, created_at AS createdAt "
	                               "FROM dead_letter WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, svc->name);
	json_t *row = sqlite3_step(st) == SQLITE_ROW ? db_row_json(st) : NULL;
	db_done(st);
	int rc = 1;
	const char *state = json_string_value(json_object_get(row, "state"));
	if (!row) {
		fprintf(stderr, "no dead letter %s:%lld\n", svc->name, id);
	} else if (strcmp(state ? state : "", "parked") != 0) { /* a replayed one is the record of it */
		fprintf(stderr, "dead letter %s:%lld is %s, not parked: kept\n", svc->name, id, state ? state : "?");
	} else {
		st = db_prep(db, "DELETE FROM dead_letter WHERE id = ?");
		sqlite3_bind_int64(st, 1, id);
		char *line = json_dumps(row, JSON_COMPACT);
		/* the whole letter goes to out before it goes from the database */
		if (line && fprintf(out, "%s\n", line) > 0 && fflush(out) == 0 && db_run(st) == SQLITE_DONE &&
		    db_commit(db) == 0) {
			log_info("discarded %s dead letter %lld (%s %s)", svc->name, id,
			         json_string_value(json_object_get(row, "type")), json_string_value(json_object_get(row, "eventId")));
			rc = 0;
		} else {
			fprintf(stderr, "dead letter %s:%lld not discarded: %s\n", svc->name, id, sqlite3_errmsg(db->h));
		}
		free(line);
	}
	if (rc)
		db_rollback(db);
	json_decref(row);
	db_close(db);
	return rc;
}
