/* idempotency.c — Idempotency-Key storage in the service's own database. */
#include "idempotency.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "log.h"

/* Every this many claims a thread also deletes expired keys. */
#define PRUNE_EVERY 256

long idempotency_ttl_s(void)
{
	long ttl = config_long("IDEMPOTENCY_TTL_S", 172800);
	return ttl < 86400 ? 86400 : ttl;
}

/* Deletes keys older than IDEMPOTENCY_TTL_S (default two days, never under one day),
 * now and then, inside the caller's transaction. */
static void prune_expired(struct db *db)
{
	static _Thread_local unsigned calls;
	if (calls++ % PRUNE_EVERY != 0)
		return;
	sqlite3_stmt *st = db_prep(db, "DELETE FROM idempotency WHERE created_at < "
	                               "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ? || ' seconds')");
	sqlite3_bind_int64(st, 1, idempotency_ttl_s());
	db_run(st);
}

static void request_fingerprint(const struct request *r, char out[17])
{
	unsigned long long h = 1469598103934665603ULL;
	char *canon = json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
	const char *parts[3] = {r->method, r->path, canon ? canon : ""};
	for (int i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	free(canon);
	snprintf(out, 17, "%016llx", h);
}

static int replay(struct ctx *c, sqlite3_stmt *st)
{
	int status = sqlite3_column_int(st, 2);
	const char *body = (const char *)sqlite3_column_text(st, 3);
	const char *location = (const char *)sqlite3_column_text(st, 4);
	json_decref(c->res->model);
	c->res->model = body ? json_loads(body, 0, NULL) : NULL;
	if (location)
		response_header(c->res, "Location", "%s", location);
	response_header(c->res, "Idempotent-Replayed", "true");
	return c->res->status = status;
}

int idempotency_key_valid(const char *key)
{
	size_t n = 0;
	for (; key && key[n]; n++)
		if ((unsigned char)key[n] < 0x20 || (unsigned char)key[n] > 0x7e)
			return 0;
	return n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
}

int idempotency_begin(struct ctx *c)
{
	struct request *r = c->req;
	char fp[17];
	if (!idempotency_key_valid(r->idem_key))
		return problem(c, 400, "Idempotency-Key must be 1 to %d printable ASCII characters",
		               IDEMPOTENCY_KEY_MAX);
	request_fingerprint(r, fp);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy");
	sqlite3_stmt *st = db_prep(c->db, "SELECT fingerprint, state, status, body, location, "
	                                  "(julianday('now') - julianday(created_at)) * 86400 "
	                                  "FROM idempotency WHERE key = ?");
	db_bind_text(st, 1, r->idem_key);
	int rc = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *have = (const char *)sqlite3_column_text(st, 0);
		int done = strcmp((const char *)sqlite3_column_text(st, 1), "done") == 0;
		double age = sqlite3_column_double(st, 5);
		if (strcmp(have, fp) != 0)
			rc = problem(c, 422, "this Idempotency-Key was used with a different request");
		else if (done)
			rc = replay(c, st);
		else if (age < config_long("IDEMPOTENCY_CLAIM_TIMEOUT_S", 60)) /* older: its process died */
			rc = problem(c, 409, "a request with this Idempotency-Key is still in progress");
	}
	db_done(st);
	if (rc) {
		db_rollback(c->db);
		return rc;
	}
	prune_expired(c->db);
	st = db_prep(c->db, "INSERT INTO idempotency(key, fingerprint, state, created_at) "
	                    "VALUES (?, ?, 'running', strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
	                    "ON CONFLICT(key) DO UPDATE SET state = 'running', created_at = excluded.created_at");
	db_bind_text(st, 1, r->idem_key);
	db_bind_text(st, 2, fp);
	if (db_run(st) != SQLITE_DONE || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the database is busy");
	}
	return 0;
}

static const char *header_value(const struct buf *headers, const char *name, char *out, size_t size)
{
	const char *p = strstr(buf_str(headers), name);
	if (!p)
		return NULL;
	p += strlen(name) + 2;
	size_t n = strcspn(p, "\r");
	snprintf(out, size, "%.*s", (int)n, p);
	return out;
}

void idempotency_finish(struct ctx *c)
{
	char location[256];
	int keep = c->res->status < 500;
	const char *sql_keep = "UPDATE idempotency SET state = 'done', status = ?, body = ?, location = ? WHERE key = ?";
	const char *sql_drop = "DELETE FROM idempotency WHERE key = ?";
	if (db_begin(c->db)) {
		log_error("idempotency: cannot store the response for key %s", c->req->idem_key);
		return;
	}
	sqlite3_stmt *st;
	if (keep) {
		char *body = c->res->model ? json_dumps(c->res->model, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		st = db_prep(c->db, sql_keep);
		sqlite3_bind_int(st, 1, c->res->status);
		db_bind_text(st, 2, body);
		db_bind_text(st, 3, header_value(&c->res->headers, "Location", location, sizeof location));
		db_bind_text(st, 4, c->req->idem_key);
		db_run(st);
		free(body);
	} else {
		st = db_prep(c->db, sql_drop);
		db_bind_text(st, 1, c->req->idem_key);
		db_run(st);
	}
	if (db_commit(c->db))
		log_error("idempotency: commit failed for key %s", c->req->idem_key);
}
