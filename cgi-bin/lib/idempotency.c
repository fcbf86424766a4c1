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

long idempotency_ttl_s(void) { return config_idempotency_ttl_s(); }

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
	c->req->idem_replayed = 1;
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

/* Who a row stored with the key as sent belongs to, as SQL over its body: the marker a
 * process of this version writes beside its claim ({"owner": id}), else the account its
 * stored answer names (reservations: the booking's accountId; rooms: the room's hostId).
 * NULL when nobody can be told (an old process's claim, an answer naming nobody). */
#define SENT_ROW_OWNER \
	"coalesce(json_extract(body, '$.owner'), json_extract(body, ?4), json_extract(body, ?5))"

/* Binds what SENT_ROW_OWNER and the lifetime need: ?3 the caller, ?4 and ?5 the JSON
 * paths of the account a service's stored answers name (rooms: the host; reservations:
 * the booking's account, also inside a refusal), ?6 the key's lifetime in s. */
static void bind_owner(sqlite3_stmt *st, const struct ctx *c)
{
	int rooms = strcmp(c->db->service, "rooms") == 0;
	sqlite3_bind_int64(st, 3, c->req->account_id);
	db_bind_text(st, 4, rooms ? "$.hostId" : "$.accountId");
	db_bind_text(st, 5, rooms ? "$.hostId" : "$.reservation.accountId");
	sqlite3_bind_int64(st, 6, idempotency_ttl_s());
}

/* The row a request with this key meets, in st: the caller's own ("<account>§<key>");
 * else one stored with the key as sent, by a process of the version before keys were
 * per account (a retry across the upgrade, or a request an old process served during a
 * rolling deploy), or beside a claim of this version's (for such old processes): it is
 * the caller's when its owner is, and an old process's claim with no answer yet is
 * anyone's (col 6 = 2: see idempotency_begin). Rows past the key's lifetime are not
 * met. Columns: fingerprint, state, status, body, location, age in s, which. */
static sqlite3_stmt *key_lookup(struct ctx *c)
{
	sqlite3_stmt *st = db_prep(c->db,
		"SELECT * FROM (SELECT fingerprint, state, status, body, location, "
		"(julianday('now') - julianday(created_at)) * 86400 AS age, 0 AS which "
		"FROM idempotency WHERE key = ?1 "
		"UNION ALL SELECT fingerprint, state, status, body, location, "
		"(julianday('now') - julianday(created_at)) * 86400, "
		"CASE WHEN " SENT_ROW_OWNER " = ?3 THEN 1 WHEN body IS NULL AND state = 'running' THEN 2 END "
		"FROM idempotency WHERE key = ?2) WHERE which IS NOT NULL AND age < ?6 ORDER BY which LIMIT 1");
	db_bind_text(st, 1, c->req->idem_key);
	db_bind_text(st, 2, idempotency_key_sent(c->req->idem_key));
	bind_owner(st, c);
	return st;
}

/* Beside the claim, a row with the key as sent, so that a process of the version
 * before (during a rolling deploy, or after a rollback) finds it: a retry it serves is
 * replayed (or 409 while this runs) instead of booking again. Only where no live row of
 * anyone else's is (that one stays theirs; a claim whose process died, past
 * IDEMPOTENCY_CLAIM_TIMEOUT_S, is no one's); marked with the caller as owner until the
 * answer replaces the marker. Sets c->req->idem_compat when written; 0 or -1. */
static int claim_as_sent(struct ctx *c, const char *fp)
{
	sqlite3_stmt *st = db_prep(c->db,
		"INSERT INTO idempotency(key, fingerprint, state, body, created_at) "
		"VALUES (?1, ?2, 'running', json_object('owner', ?3), strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
		"ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'running', status = NULL, "
		"body = excluded.body, location = NULL, created_at = excluded.created_at "
		"WHERE (julianday('now') - julianday(created_at)) * 86400 >= ?6 OR " SENT_ROW_OWNER " = ?3 "
		"OR (body IS NULL AND state = 'running' AND (julianday('now') - julianday(created_at)) * 86400 >= ?7)");
	db_bind_text(st, 1, idempotency_key_sent(c->req->idem_key));
	db_bind_text(st, 2, fp);
	bind_owner(st, c);
	sqlite3_bind_int64(st, 7, config_long("IDEMPOTENCY_CLAIM_TIMEOUT_S", 60));
	if (db_run(st) != SQLITE_DONE)
		return -1;
	c->req->idem_compat = sqlite3_changes(c->db->h) > 0;
	return 0;
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
	sqlite3_stmt *st = key_lookup(c);
	int rc = 0;
	long claim_timeout = config_long("IDEMPOTENCY_CLAIM_TIMEOUT_S", 60);
	/* A key past its lifetime counts as never used, pruned or not: the prune below is
	 * housekeeping and runs only now and then. */
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *have = (const char *)sqlite3_column_text(st, 0);
		int done = strcmp((const char *)sqlite3_column_text(st, 1), "done") == 0;
		double age = sqlite3_column_double(st, 5);
		int old_claim = sqlite3_column_int(st, 6) == 2;
		if (old_claim) { /* an old process is on this key (whoever's): wait, as it would have said */
			if (age < claim_timeout)
				rc = problem(c, 409, "a request with this Idempotency-Key is still in progress");
		} else if (strcmp(have, fp) != 0) /* a 422 names what is wrong in `errors` (SPEC §3) */
			rc = problem_fields(c, 422, json_pack("[{s:s, s:s}]", "field", "Idempotency-Key",
			                                      "message", "was used with a different request"),
			                    "this Idempotency-Key was used with a different request");
		else if (done)
			rc = replay(c, st);
		else if (age < claim_timeout) /* older: its process died */
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
	if (db_run(st) != SQLITE_DONE || claim_as_sent(c, fp) || db_commit(c->db)) {
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

/* Stores the answer under key (keep: status, body, location) or drops the claim (a 5xx:
 * the client may retry); the row with the key as sent (as_sent) only while it is still
 * this request's marked claim. 0 or -1. */
static int store_answer(struct ctx *c, const char *key, int keep, int as_sent, const char *body,
                        const char *location)
{
	static const char *const sql[2][2] = {
		{"DELETE FROM idempotency WHERE key = ?4",
		 "DELETE FROM idempotency WHERE key = ?4 AND state = 'running' AND json_extract(body, '$.owner') = ?5"},
		{"UPDATE idempotency SET state = 'done', status = ?1, body = ?2, location = ?3 WHERE key = ?4",
		 "UPDATE idempotency SET state = 'done', status = ?1, body = ?2, location = ?3 WHERE key = ?4 "
		 "AND state = 'running' AND json_extract(body, '$.owner') = ?5"},
	};
	sqlite3_stmt *st = db_prep(c->db, sql[keep != 0][as_sent != 0]);
	if (keep) {
		sqlite3_bind_int(st, 1, c->res->status);
		db_bind_text(st, 2, body);
		db_bind_text(st, 3, location);
	}
	db_bind_text(st, 4, key);
	if (as_sent)
		sqlite3_bind_int64(st, 5, c->req->account_id);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

int idempotency_finish(struct ctx *c)
{
	char location[256];
	int keep = c->res->status < 500;
	if (db_begin(c->db)) {
		log_error("idempotency: cannot store the response for key %s", c->req->idem_key);
		return -1;
	}
	char *body = keep && c->res->model ? json_dumps(c->res->model, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	const char *where = keep ? header_value(&c->res->headers, "Location", location, sizeof location) : NULL;
	int rc = store_answer(c, c->req->idem_key, keep, 0, body, where);
	if (!rc && c->req->idem_compat)
		rc = store_answer(c, idempotency_key_sent(c->req->idem_key), keep, 1, body, where);
	free(body);
	if (rc || db_commit(c->db)) {
		log_error("idempotency: cannot %s the response for key %s: %s", keep ? "store" : "drop",
		          c->req->idem_key, sqlite3_errmsg(c->db->h));
		db_rollback(c->db);
		return -1;
	}
	return 0;
}
