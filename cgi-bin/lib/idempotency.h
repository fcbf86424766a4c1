/* idempotency.h — the Idempotency-Key header: the same key and body replay the first
 * response; another body is 422; a first request still running is 409. */
#ifndef RB_IDEMPOTENCY_H
#define RB_IDEMPOTENCY_H
#include "http.h"

/* The longest Idempotency-Key accepted, in bytes. */
#define IDEMPOTENCY_KEY_MAX 255

/* True when key may be an Idempotency-Key: 1..IDEMPOTENCY_KEY_MAX printable ASCII
 * characters (0x20..0x7e). Pure: the check idempotency_begin makes before the database. */
int idempotency_key_valid(const char *key);
/* Claims c->req->idem_key for this request. Returns 0 when the handler should run;
 * otherwise the status of a reply already written to c->res (a replay, 409 or 422, or
 * 400 when the key is not idempotency_key_valid). */
int idempotency_begin(struct ctx *c);
/* What separates the account from the key in a stored key ("12§key"): "§", not ASCII. */
#define IDEMPOTENCY_SCOPE "\xc2\xa7"
/* The key as the client sent it, of a stored one ("12§key" -> "key"; one stored before
 * keys were per account is returned as it is). */
const char *idempotency_key_sent(const char *stored);
/* How long a key is remembered, in seconds (IDEMPOTENCY_TTL_S, never under a day). */
long idempotency_ttl_s(void);
/* Stores the response of a claimed key (or frees the claim after a 5xx/503 so the client
 * can retry). Returns 0, or -1 when that write failed (logged, rolled back): the key
 * then stays claimed, so a retry is answered 409 until IDEMPOTENCY_CLAIM_TIMEOUT_S.
 * The caller keeps its answer: the handler's effect is committed, and a 503 would
 * only invite the retry that could repeat it. */
int idempotency_finish(struct ctx *c);
#endif
