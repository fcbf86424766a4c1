/* idempotency.c — Idempotency-Key storage in the service's own database. */
#include "idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

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
 * now and then (the first call of each thread, then every PRUNE_EVERY), inside the
 * caller's transaction. Returns 0, or -1 when the delete failed (logged). */
static int prune_expired(struct db *db)
{
	static _Thread_local unsigned calls;
	if (calls++ % PRUNE_EVERY != 0)
		return 0;
	sqlite3_stmt *st = db_prep(db, "DELETE FROM idempotency WHERE created_at < "
	                               "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ? || ' seconds')");
	sqlite3_bind_int64(st, 1, idempotency_ttl_s());
	if (db_run(st) == SQLITE_DONE)
		return 0;
	log_error("idempotency: pruning expired keys failed: %s", sqlite3_errmsg(db->h));
	return -1;
}

/* Length of a fingerprint: a SHA-256 digest in hex, plus the NUL. Fingerprints of an
 * older format (schema/common/003) never equal one of this length. */
#define FINGERPRINT_LEN (2 * 32 + 1)

/* Replaces the `card` field of body (when there is one) by its last four digits: a
 * fingerprint must not let anyone recover a card number (SPEC §6), and a card is
 * only ever kept as its last four digits. */
static void mask_card(json_t *body)
{
	json_t *card = json_object_get(body, "card");
	if (!card)
		return;
	char *text = json_dumps(card, JSON_COMPACT | JSON_ENCODE_ANY);
	char last4[5] = "";
	size_t n = 0;
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p < '0' || *p > '9')
			continue;
		if (n == 4)
			memmove(last4, last4 + 1, --n);
		last4[n++] = *p;
	}
	last4[n] = '\0';
	free(text);
	json_object_set_new(body, "card", json_string(last4));
}

/* The request's fingerprint: SHA-256 in hex of the method, the path and the canonical
 * JSON body (sorted keys, card masked). Returns 0, or -1 when it cannot be computed. */
static int request_fingerprint(const struct request *r, char out[FINGERPRINT_LEN])
{
	json_t *body = json_is_object(r->json) ? json_deep_copy(r->json) : json_incref(r->json);
	if (json_is_object(body))
		mask_card(body);
	char *canon = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	json_decref(body);
	const char *parts[3] = {r->method, r->path, canon ? canon : ""};
	struct sha256 md;
	sha256_init(&md);
	for (int i = 0; i < 3; i++) /* each part with its NUL: no two splits collide */
		sha256_update(&md, parts[i], strlen(parts[i]) + 1);
	_Static_assert(FINGERPRINT_LEN == SHA256_HEX, "a fingerprint is a SHA-256 in hex");
	sha256_final_hex(&md, out);
	free(canon);
	return 0;
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

/* Makes r->idem_key the caller's own: "<account id>§<key>". A key is remembered per
 * account (0: signed out), so two accounts that happen to send the same key never see
 * each other's answers, nor wait for or are refused because of each other's requests
 * (SPEC §6: someone else's booking answers as if it did not exist). "§" is not ASCII,
 * so no key as sent (printable ASCII) looks like another account's stored one. The
 * stored key, and the reservation's idempotency_key, are this form; rows stored before
 * keys were per account hold the key as sent (see idempotency_begin). Returns 0, or -1
 * when out of memory. */
static int key_scope(struct request *r)
{
	char *scoped = NULL;
	if (asprintf(&scoped, "%lld" IDEMPOTENCY_SCOPE "%s", r->account_id > 0 ? r->account_id : 0LL, r->idem_key) < 0)
		return -1;
	free(r->idem_key);
	r->idem_key = scoped;
	return 0;
}

const char *idempotency_key_sent(const char *stored)
{
	const char *mark = stored ? strstr(stored, IDEMPOTENCY_SCOPE) : NULL;
	return mark ? mark + strlen(IDEMPOTENCY_SCOPE) : stored;
}

int idempotency_begin(struct ctx *c)
{
	struct request *r = c->req;
	char fp[FINGERPRINT_LEN];
	if (!idempotency_key_valid(r->idem_key))
		return problem(c, 400, "Idempotency-Key must be 1 to %d printable ASCII characters",
		               IDEMPOTENCY_KEY_MAX);
	if (key_scope(r))
		return problem_unavailable(c, 1, "out of memory; try again");
	if (request_fingerprint(r, fp))
		return problem_unavailable(c, 1, "the request could not be fingerprinted; try again");
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy");
	/* The caller's key; else a row stored as sent before keys were per account (a
	 * retry across that upgrade, or a request an old process served while the new one
	 * started) when its stored answer is the caller's: a booking's accountId, a room's
	 * hostId. Anyone else's old row, and one without an answer, count as not there. */
	sqlite3_stmt *st = db_prep(c->db, "SELECT fingerprint, state, status, body, location, "
	                                  "(julianday('now') - julianday(created_at)) * 86400, 0 AS mine "
	                                  "FROM idempotency WHERE key = ?1 "
	                                  "UNION ALL SELECT fingerprint, state, status, body, location, "
	                                  "(julianday('now') - julianday(created_at)) * 86400, 1 "
	                                  "FROM idempotency WHERE key = ?2 AND json_valid(body) AND "
	                                  "coalesce(json_extract(body, '$.accountId'), json_extract(body, '$.hostId')) = ?3 "
	                                  "ORDER BY mine LIMIT 1");
	db_bind_text(st, 1, r->idem_key);
	db_bind_text(st, 2, idempotency_key_sent(r->idem_key));
	sqlite3_bind_int64(st, 3, r->account_id);
	int rc = 0;
	/* A key past its lifetime counts as never used, pruned or not: the prune below is
	 * housekeeping and runs only now and then. */
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_double(st, 5) < idempotency_ttl_s()) {
		const char *have = (const char *)sqlite3_column_text(st, 0);
		int done = strcmp((const char *)sqlite3_column_text(st, 1), "done") == 0;
		double age = sqlite3_column_double(st, 5);
		if (strcmp(have, fp) != 0) /* a 422 names what is wrong in `errors` (SPEC §3) */
			rc = problem_fields(c, 422, json_pack("[{s:s, s:s}]", "field", "Idempotency-Key",
			                                      "message", "was used with a different request"),
			                    "this Idempotency-Key was used with a different request");
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
	if (prune_expired(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the database is busy");
	}
	st = db_prep(c->db, "INSERT INTO idempotency(key, fingerprint, state, created_at) "
	                    "VALUES (?, ?, 'running', strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
	                    "ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'running', "
	                    "status = NULL, body = NULL, location = NULL, created_at = excluded.created_at");
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

int idempotency_finish(struct ctx *c)
{
	char location[256];
	int keep = c->res->status < 500;
	const char *sql_keep = "UPDATE idempotency SET state = 'done', status = ?, body = ?, location = ? WHERE key = ?";
	const char *sql_drop = "DELETE FROM idempotency WHERE key = ?";
	if (db_begin(c->db)) {
		log_error("idempotency: cannot store the response for key %s", c->req->idem_key);
		return -1;
	}
	sqlite3_stmt *st;
	int rc;
	if (keep) {
		char *body = c->res->model ? json_dumps(c->res->model, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		st = db_prep(c->db, sql_keep);
		sqlite3_bind_int(st, 1, c->res->status);
		db_bind_text(st, 2, body);
		db_bind_text(st, 3, header_value(&c->res->headers, "Location", location, sizeof location));
		db_bind_text(st, 4, c->req->idem_key);
		rc = db_run(st);
		free(body);
	} else {
		st = db_prep(c->db, sql_drop);
		db_bind_text(st, 1, c->req->idem_key);
		rc = db_run(st);
	}
	if (rc != SQLITE_DONE || db_commit(c->db)) {
		log_error("idempotency: cannot %s the response for key %s: %s", keep ? "store" : "drop",
		          c->req->idem_key, sqlite3_errmsg(c->db->h));
		db_rollback(c->db);
		return -1;
	}
	return 0;
}
