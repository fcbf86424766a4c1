/* reservations.c — the reservations service: reservations and the booking saga.
 * A booking is stored as `requested` first, then rooms holds capacity and payments
 * charges over the internal listener, and one transaction confirms it with its event.
 * Every way out of `requested` is a conditional UPDATE (... AND status = 'requested'),
 * so the live saga, a recovery pass in any process, and a dead process never finish
 * the same booking twice. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/access.h"
#include "lib/browser.h"
#include "lib/client.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/human.h"
#include "lib/idempotency.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/metrics.h"
#include "lib/rb_limits.h"
#include "lib/service.h"
#include "lib/shortcode.h"
#include "lib/stay.h"

#define RECOVERY_BATCH 100

#define RES_COLUMNS \
	"id, reference, room_id AS roomId, check_in AS checkIn, check_out AS checkOut, nights, guests, " \
	"customer, account_id AS accountId, host_id AS hostId, amount, currency, status, reason, " \
	"payment_id AS paymentId, " \
	"created_at AS createdAt, updated_at AS updatedAt"

/* The reservation as its JSON resource, or NULL when it does not exist. */
static json_t *reservation_load(struct db *db, long long id)
{
	return db_row_by_id(db, "SELECT " RES_COLUMNS " FROM reservation WHERE id = ?", id);
}

static const char *field_text(json_t *obj, const char *field)
{
	const char *s = json_string_value(json_object_get(obj, field));
	return s ? s : "";
}

/* Records a Reservation* event whose data is the reservation as it now is, with the
 * room's name (kept from the hold) so that messages can name the room. Inside the
 * caller's transaction. Returns 0 or -1. */
static int reservation_event(struct db *db, long long id, const char *type)
{
	json_t *data = reservation_load(db, id);
	sqlite3_stmt *st = db_prep(db, "SELECT room_name AS roomName FROM reservation WHERE id = ? AND room_name <> ''");
	sqlite3_bind_int64(st, 1, id);
	if (data && sqlite3_step(st) == SQLITE_ROW) {
		json_t *name = db_row_json(st);
		json_object_update(data, name);
		json_decref(name);
	}
	db_done(st);
	return event_record_state(db, "Reservation", id, type, data, "reservationId");
}

/* ---- state transitions (each its own BEGIN IMMEDIATE transaction) ---- */

/* How a booking leaves `requested`, and what the saga learnt on the way. */
struct outcome {
	const char *status;    /* confirmed, rejected or failed */
	const char *reason;    /* NULL when confirmed */
	long long payment_id;  /* 0 when none */
	long long amount;      /* -1 when not known (nothing held) */
	const char *room_name; /* NULL when not known */
	long long host_id;     /* the room's host, 0 when not known */
};

/* True when the room of reservation id was deleted (RoomDeleted already applied). */
static int room_withdrawn(struct db *db, long long id)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM deleted_room d JOIN reservation r "
	                               "ON r.room_id = d.room_id WHERE r.id = ?");
	sqlite3_bind_int64(st, 1, id);
	db_scalar_int(st, &n);
	return n > 0;
}

/* Moves a `requested` reservation to its outcome and records ReservationConfirmed or
 * ReservationRejected, in one transaction. A confirmation for a room deleted meanwhile
 * becomes force_cancelled/room_deleted with ReservationCancelled instead (the consumers
 * release the hold, refund the charge and tell the customer). Returns 1 when this call made the change, 0
 * when the row had already left `requested`, -1 on a database error (rolled back). */
static int saga_finish(struct db *db, long long id, const struct outcome *o)
{
	int confirmed = strcmp(o->status, "confirmed") == 0;
	if (db_begin(db))
		return -1;
	struct outcome withdrawn = *o; /* the room was deleted while this booking was in flight */
	if (confirmed && room_withdrawn(db, id)) {
		withdrawn.status = "force_cancelled";
		withdrawn.reason = "room_deleted";
		o = &withdrawn;
	}
	sqlite3_stmt *st = db_prep(db, "UPDATE reservation SET status = ?2, reason = ?3, "
	                               "payment_id = coalesce(?4, payment_id), amount = coalesce(?5, amount), "
	                               "room_name = coalesce(?6, room_name), host_id = coalesce(?7, host_id), "
	                               "payment_status = CASE WHEN ?2 = "
	                               "'confirmed' THEN coalesce(payment_status, 'approved') ELSE payment_status END, "
	                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                               "WHERE id = ?1 AND status = 'requested'");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, o->status);
	db_bind_text(st, 3, o->reason);
	if (o->payment_id > 0)
		sqlite3_bind_int64(st, 4, o->payment_id);
	if (o->amount >= 0)
		sqlite3_bind_int64(st, 5, o->amount);
	db_bind_text(st, 6, o->room_name);
	if (o->host_id > 0)
		sqlite3_bind_int64(st, 7, o->host_id);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(db);
		return -1;
	}
	if (sqlite3_changes(db->h) == 0) {
		db_rollback(db);
		return 0;
	}
	const char *type = o == &withdrawn ? "ReservationCancelled"
	                   : confirmed     ? "ReservationConfirmed"
	                                   : "ReservationRejected";
	if (reservation_event(db, id, type)) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db))
		return -1;
	char series[128]; /* status and reason come from a fixed set */
	snprintf(series, sizeof series, "roombook_bookings_total{status=\"%s\",reason=\"%s\"}", o->status,
	         o->reason ? o->reason : "");
	metrics_count(series, 1);
	return 1;
}

/* Forgets a booking whose room does not exist (nothing was held or charged). */
static void saga_forget(struct db *db, long long id)
{
	if (db_begin(db))
		return;
	sqlite3_stmt *st = db_prep(db, "DELETE FROM reservation WHERE id = ? AND status = 'requested'");
	sqlite3_bind_int64(st, 1, id);
	if (db_run(st) != SQLITE_DONE)
		db_rollback(db);
	else
		db_commit(db);
}

/* ---- answers ---- */

/* Sets the model to a problem carrying the reservation (stolen) and returns status. */
static int problem_with(struct ctx *c, int status, json_t *res, const char *detail)
{
	problem(c, status, "%s", detail);
	json_object_set_new(c->res->model, "reservation", res);
	return status;
}

/* Answers a booking request with whatever state reservation id is in now:
 * confirmed 201, sold out 409, declined 402, failed 503 (retry_after seconds). */
static int reply_booking(struct ctx *c, long long id, int retry_after)
{
	json_t *res = reservation_load(c->db, id);
	if (!res)
		return problem_unavailable(c, retry_after, "the booking could not be completed; try again");
	const char *status = field_text(res, "status"), *reason = field_text(res, "reason");
	if (strcmp(status, "confirmed") == 0) {
		c->res->model = res;
		/* a browser's form goes on to the confirmation page; scripts get the resource */
		response_header(c->res, "Location", c->req->wants_html && c->req->body_is_form ? "/reservations/%lld/confirmation"
		                                                                             : "/reservations/%lld", id);
		return 201;
	}
	if (strcmp(status, "force_cancelled") == 0)
		return problem_with(c, 409, res, "The room was withdrawn by its host; any payment is refunded.");
	if (strcmp(status, "rejected") == 0 && strcmp(reason, "sold_out") == 0)
		return problem_with(c, 409, res, "The room cannot take this stay: it is sold out on some night of it.");
	if (strcmp(status, "rejected") == 0 && strcmp(reason, "price_changed") == 0) /* rooms' sentence follows */
		return problem_with(c, 409, res, "The price of this room changed since you checked; nothing was charged.");
	if (strcmp(status, "rejected") == 0)
		return problem_with(c, 402, res, "Your card was declined — you were not charged. "
		                                 "Check the card number, or use another card.");
	if (strcmp(status, "failed") == 0 || strcmp(status, "requested") == 0) {
		response_header(c->res, "Retry-After", "%d", retry_after > 0 ? retry_after : 1);
		return problem_with(c, 503, res, "a service the booking needs is unavailable; try again");
	}
	c->res->model = res; /* cancelled meanwhile: it was confirmed */
	return 200;
}

/* ---- input ---- */

struct booking {
	long long room_id, nights, guests, account_id;
	char check_in[11], check_out[11];
	const char *customer;
	char card[20]; /* digits only, "" when none */
	int free_stay; /* the page's form for a stay it showed as free: no card asked (checked again) */
	long long expected_total; /* the total the guest was shown (expectedTotal), when has_expected */
	int has_expected;
	char reference[REFERENCE_SIZE]; /* drawn when the booking is stored */
};

/* Attempts at a fresh reference when one collides with another booking's (≈ n / 8.9e8
 * each for n bookings). */
#define REFERENCE_ATTEMPTS 10

/* True when the page's form says the stay it showed was free (book.tpl's free=1). */
static int form_says_free(json_t *form)
{
	const char *v = json_string_value(json_object_get(form, "free"));
	return v && strcmp(v, "1") == 0;
}

/* Reads card: a string of 12..19 digits once spaces and dashes are removed. A script
 * may leave it out (SPEC: the simulated processor approves none); the page's payment
 * form (its one-time token sent) asks for it, as it says: a guest who left the field
 * empty is told so, not booked and shown as paid. */
static void read_card(struct ctx *c, json_t *errors, struct booking *b)
{
	const char *s = NULL;
	size_t n = 0;
	int rc = body_str(c, errors, "card", 64, &s);
	int paying_form = c->req->body_is_form && json_object_get(c->req->json, FORM_TOKEN_FIELD);
	b->free_stay = paying_form && form_says_free(c->req->json);
	if (rc == 0 && paying_form && !b->free_stay)
		field_error(errors, "card", "Enter your card number");
	if (rc != 1)
		return;
	for (; *s; s++) {
		if (*s == ' ' || *s == '-')
			continue;
		if (*s < '0' || *s > '9' || n >= sizeof b->card - 1) {
			field_error(errors, "card", "must be 12 to 19 digits");
			b->card[0] = '\0';
			return;
		}
		b->card[n++] = *s;
	}
	b->card[n] = '\0';
	if (n < 12) {
		field_error(errors, "card", "must be 12 to 19 digits");
		b->card[0] = '\0';
	}
}

/* Fills the stay: checkIn (default today, not in the past), nights or checkOut. */
static void read_stay(struct ctx *c, json_t *errors, struct booking *b)
{
	char today[11];
	const char *check_in = NULL, *check_out = NULL;
	config_today(today);
	int has_in = body_date(c, errors, "checkIn", &check_in);
	int has_nights = body_int(c, errors, "nights", 1, MAX_NIGHTS, &b->nights);
	int has_out = body_date(c, errors, "checkOut", &check_out);
	snprintf(b->check_in, sizeof b->check_in, "%s", has_in == 1 ? check_in : today);
	char horizon[11], msg[80];
	long horizon_days = stay_horizon_days();
	date_add(today, (int)horizon_days, horizon);
	snprintf(msg, sizeof msg, "must be at most %ld days from today", horizon_days);
	if (has_in == 1 && strcmp(check_in, today) < 0)
		field_error(errors, "checkIn", "must be today or later");
	else if (has_in == 1 && strcmp(check_in, horizon) > 0)
		field_error(errors, "checkIn", msg);
	if (has_in == -1 || has_nights == -1 || has_out == -1)
		return;
	if (has_out == 1) {
		long n = date_diff(b->check_in, check_out);
		if (n < 1 || n > MAX_NIGHTS)
			field_error(errors, "checkOut", n < 1 ? "must be after the check-in date"
			                                      : "must be at most 30 nights after the check-in date");
		else if (has_nights == 1 && n != b->nights)
			field_error(errors, "checkOut", "does not match the number of nights");
		else
			b->nights = n;
	}
	date_add(b->check_in, (int)b->nights, b->check_out);
}

/* Reads and validates a booking request; returns the field errors (empty when valid). */
static json_t *booking_read(struct ctx *c, struct booking *b)
{
	json_t *errors = json_array();
	memset(b, 0, sizeof *b);
	b->nights = 1;
	b->guests = 1;
	b->account_id = c->req->account_id;
	b->customer = c->req->account_name ? c->req->account_name : "guest";
	if (body_int(c, errors, "roomId", 1, MAX_ID, &b->room_id) == 0)
		field_error(errors, "roomId", "is required");
	read_stay(c, errors, b);
	body_int(c, errors, "guests", 1, MAX_GUESTS, &b->guests);
	body_line(c, errors, "customer", NAME_CHARS, &b->customer);
	b->has_expected = body_int(c, errors, "expectedTotal", 0, MAX_AMOUNT, &b->expected_total) == 1;
	read_card(c, errors, b);
	return errors;
}

/* The booking this Idempotency-Key (as stored: the account's own) created within the
 * key's lifetime, or 0: also one of the same account stored with the key as sent,
 * before keys were per account. A failed one (nothing held or charged) does not
 * count: retrying it books afresh. */
static long long booking_by_key(struct db *db, const char *key, long long account)
{
	long long id = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM reservation WHERE (idempotency_key = ?1 OR "
	                               "(idempotency_key = ?3 AND account_id = ?4)) AND status <> 'failed' "
	                               "AND created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ?2 || ' seconds') "
	                               "ORDER BY idempotency_key = ?1 DESC LIMIT 1");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, idempotency_ttl_s());
	db_bind_text(st, 3, idempotency_key_sent(key));
	sqlite3_bind_int64(st, 4, account);
	db_scalar_int(st, &id);
	return id;
}

/* Stores the booking as `requested` (committed) with a fresh reference (b->reference)
 * and returns its id, or -1. When key (the request's Idempotency-Key, may be NULL)
 * already created a booking, returns that one's id with *again set: a retry after a
 * crash or a 5xx must not book twice. */
static long long booking_insert(struct db *db, struct booking *b, const char *key, int *again)
{
	*again = 0;
	if (db_begin(db))
		return -1;
	long long id = key ? booking_by_key(db, key, b->account_id) : 0;
	if (id > 0) {
		db_rollback(db);
		*again = 1;
		return id;
	}
	sqlite3_stmt *st = db_prep(db, "UPDATE reservation SET idempotency_key = NULL WHERE idempotency_key = ?");
	db_bind_text(st, 1, key); /* an expired key may be used again */
	if (key && db_run(st) != SQLITE_DONE) {
		db_rollback(db);
		return -1;
	}
	int rc = SQLITE_CONSTRAINT;
	for (int attempt = 0; attempt < REFERENCE_ATTEMPTS && rc == SQLITE_CONSTRAINT; attempt++) {
		if (reference_new(b->reference)) {
			log_error("no randomness for a booking reference");
			break;
		}
		st = db_prep(db, "INSERT INTO reservation(room_id, check_in, check_out, nights, guests, customer, "
		                 "currency, status, request_id, idempotency_key, account_id, reference, created_at, "
		                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, "
		                 "strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
		sqlite3_bind_int64(st, 1, b->room_id);
		db_bind_text(st, 2, b->check_in);
		db_bind_text(st, 3, b->check_out);
		sqlite3_bind_int64(st, 4, b->nights);
		sqlite3_bind_int64(st, 5, b->guests);
		db_bind_text(st, 6, b->customer);
		db_bind_text(st, 7, config_currency());
		db_bind_text(st, 8, log_request_id()[0] ? log_request_id() : NULL);
		db_bind_text(st, 9, key);
		sqlite3_bind_int64(st, 10, b->account_id);
		db_bind_text(st, 11, b->reference);
		rc = db_run(st);
		/* the key's old holder was cleared above: what can collide is the reference */
		if (rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(db->h) != SQLITE_CONSTRAINT_UNIQUE)
			break;
	}
	if (rc != SQLITE_DONE) {
		log_error("booking not stored: %s", sqlite3_errmsg(db->h));
		db_rollback(db);
		return -1;
	}
	id = sqlite3_last_insert_rowid(db->h);
	return db_commit(db) ? -1 : id;
}

/* ---- the saga ---- */

/* Asks rooms to give back the hold of reservation id; failures are left to the
 * ReservationRejected consumer. */
static void release_hold(long long id)
{
	char path[64];
	struct call_result r;
	snprintf(path, sizeof path, "/internal/holds/%lld/release", id);
	client_call("rooms", "POST", path, NULL, &r);
	call_result_free(&r);
}

/* Undoes a booking that cannot finish: releases the hold (when one may exist), records
 * the outcome with status/reason, and answers with the state the booking ends in. */
static int saga_abort(struct ctx *c, long long id, int held, struct outcome o, const char *status,
                      const char *reason, int retry_after)
{
	o.status = status;
	o.reason = reason;
	if (held)
		release_hold(id);
	if (saga_finish(c->db, id, &o) < 0)
		log_error("reservation %lld: could not record %s/%s; recovery will", id, status, reason);
	return reply_booking(c, id, retry_after);
}

/* True when payment p (as payments answers it) charged exactly amount in the
 * configured currency. A payment that already existed for the reservation id (a retry,
 * or a forged call) must not confirm a booking for another amount. */
static int payment_matches(json_t *p, long long amount)
{
	json_t *charged = json_object_get(p, "amount");
	return json_is_integer(charged) && json_integer_value(charged) == amount &&
	       strcmp(field_text(p, "currency"), config_currency()) == 0;
}

/* Step 3: charge the held amount; confirm on approval. */
static int saga_charge(struct ctx *c, const struct booking *b, long long id, struct outcome o)
{
	struct call_result r;
	json_t *body = json_pack("{s:I, s:I, s:s, s:I, s:I}", "reservationId", (json_int_t)id, "amount",
	                         (json_int_t)o.amount, "currency", config_currency(), "accountId",
	                         (json_int_t)b->account_id, "hostId", (json_int_t)o.host_id);
	if (b->card[0])
		json_object_set_new(body, "card", json_string(b->card));
	/* what was bought, for the payment's receipt */
	json_object_set_new(body, "reference", json_string(b->reference));
	if (o.room_name && *o.room_name)
		json_object_set_new(body, "roomName", json_string(o.room_name));
	json_object_set_new(body, "checkIn", json_string(b->check_in));
	json_object_set_new(body, "checkOut", json_string(b->check_out));
	json_object_set_new(body, "nights", json_integer(b->nights));
	json_object_set_new(body, "guests", json_integer(b->guests));
	client_call("payments", "POST", "/internal/payments", body, &r);
	json_decref(body);
	o.payment_id = json_integer_value(json_object_get(r.body, "id"));
	if (r.status == 402)
		o.payment_id = json_integer_value(json_object_get(json_object_get(r.body, "payment"), "id"));
	int matches = payment_matches(r.body, o.amount);
	call_result_free(&r);
	if (r.unavailable)
		return saga_abort(c, id, 1, o, "failed", "unavailable", r.retry_after);
	if (r.status == 402)
		return saga_abort(c, id, 1, o, "rejected", "payment_declined", 1);
	if ((r.status != 200 && r.status != 201) || o.payment_id <= 0) /* 409: closed by recovery */
		return saga_abort(c, id, 1, o, "failed", "unavailable", 1);
	if (!matches) { /* ReservationRejected has payments refund it */
		log_error("reservation %lld: payment %lld does not charge the held %lld %s; refused", id, o.payment_id,
		          o.amount, config_currency());
		return saga_abort(c, id, 1, o, "failed", "unavailable", 1);
	}
	o.status = "confirmed";
	if (saga_finish(c->db, id, &o) < 0)
		log_error("reservation %lld: confirm failed; recovery will finish it", id);
	return reply_booking(c, id, 1);
}

/* A sold-out answer says what rooms said stops the stay (its 409 problem, refusal, may
 * be NULL): reason too_many_guests (with capacity) or sold_out (with night, the first
 * night with the fewest places, shortNights and placesLeft), and its sentence as detail. */
static void booking_refused(struct ctx *c, json_t *refusal)
{
	static const char *const members[] = {"reason", "night", "shortNights", "placesLeft", "capacity", "total"};
	const char *reason = json_string_value(json_object_get(refusal, "reason"));
	const char *detail = json_string_value(json_object_get(refusal, "detail"));
	if (!reason)
		return;
	for (size_t i = 0; i < sizeof members / sizeof *members; i++)
		if (json_object_get(refusal, members[i]))
			json_object_set(c->res->model, members[i], json_object_get(refusal, members[i]));
	if (detail)
		json_object_set_new(c->res->model, "detail", json_string(detail));
}

/* Step 2: hold capacity in rooms, then charge. */
static int saga_hold(struct ctx *c, const struct booking *b, long long id)
{
	struct call_result r;
	struct outcome o = {.amount = -1};
	char room_name[NAME_SIZE];
	json_t *body = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I}", "reservationId", (json_int_t)id, "roomId",
	                         (json_int_t)b->room_id, "checkIn", b->check_in, "nights", (json_int_t)b->nights,
	                         "guests", (json_int_t)b->guests, "accountId", (json_int_t)b->account_id);
	if (b->has_expected) /* rooms refuses the hold when the stay now costs another total */
		json_object_set_new(body, "expectedAmount", json_integer(b->expected_total));
	client_call("rooms", "POST", "/internal/holds", body, &r);
	json_decref(body);
	json_t *refusal = r.status == 409 ? json_incref(r.body) : NULL; /* why rooms refused */
	json_t *amount = json_object_get(r.body, "amount");
	long long held_amount = json_is_integer(amount) ? json_integer_value(amount) : -1;
	utf8_copy(room_name, sizeof room_name, field_text(r.body, "roomName"));
	o.host_id = json_integer_value(json_object_get(r.body, "hostId"));
	call_result_free(&r);
	if (r.unavailable)
		return saga_abort(c, id, 1, o, "failed", "unavailable", r.retry_after);
	if (r.status == 404) {
		saga_forget(c->db, id);
		json_t *errors = json_array();
		field_error(errors, "roomId", "does not exist");
		return problem_validation(c, errors);
	}
	if (r.status == 409) {
		o.room_name = room_name; /* with o.host_id: the host sees the refused booking too */
		const char *why = json_string_value(json_object_get(refusal, "reason"));
		int repriced = why && strcmp(why, "price_changed") == 0;
		int rc = saga_abort(c, id, 0, o, "rejected", repriced ? "price_changed" : "sold_out", 1);
		if (rc == 409)
			booking_refused(c, refusal);
		json_decref(refusal);
		return rc;
	}
	json_decref(refusal);
	if ((r.status != 200 && r.status != 201) || held_amount < 0)
		return saga_abort(c, id, 1, o, "failed", "unavailable", 1);
	o.amount = held_amount;
	o.room_name = room_name;
	return saga_charge(c, b, id, o);
}

/* True when every field error of the problem is on the card. */
static int only_card_errors(json_t *problem_model)
{
	json_t *errors = json_object_get(problem_model, "errors"), *err;
	size_t i;
	json_array_foreach(errors, i, err) if (strcmp(field_text(err, "field"), "card") != 0) return 0;
	return json_array_size(errors) > 0;
}

/* Appends key=value (url-encoded) of a form field to the query q when it is a string. */
static void query_add(struct buf *q, json_t *form, const char *key)
{
	const char *v = json_string_value(json_object_get(form, key));
	if (!v || !*v)
		return;
	char *e = url_encode(v);
	buf_printf(q, "%s%s=%s", q->len ? "&" : "?", key, e);
	free(e);
}

/* A browser's booking form that did not book comes back around the room's own page,
 * saying what happened and what to do: the summary with the card ("book") when the card
 * or the payment was the trouble (or a service was down: try again), else the room page
 * ("room") with its calendar and the one booking form. The room's part of the model is
 * what rooms makes for the same stay (GET /internal/rooms/{id}/page); the problem's own
 * members (status, detail, errors, night, ...) stay as they are. A room that cannot be
 * asked just now leaves the summary with what the form said. Returns status. */
static int booking_page(struct ctx *c, int status)
{
	json_t *model = c->res->model, *form = c->req->json;
	if (!c->req->wants_html || !c->req->body_is_form || status < 400 || !json_is_object(model))
		return status;
	int to_summary = status == 402 || status == 503 || (status == 422 && only_card_errors(model));
	c->res->page = to_summary ? "book" : "room";
	/* the field to change, with the whole sentence (a sentence of its own on the page) */
	if (status == 402 && !json_object_get(model, "errors"))
		json_object_set_new(model, "errors", json_pack("[{s:s, s:s}]", "field", "card", "message",
		                                               field_text(model, "detail")));
	if (status == 409 && strcmp(field_text(model, "reason"), "too_many_guests") == 0 && !json_object_get(model, "errors"))
		json_object_set_new(model, "errors", json_pack("[{s:s, s:s}]", "field", "guests", "message",
		                                               field_text(model, "detail")));
	if (status == 503)
		json_object_set_new(model, "detail", json_string("The booking could not be completed just now, and nothing "
		                                                 "was charged. Try again in a moment."));
	else if (status == 422 && !to_summary)
		json_object_set_new(model, "detail", json_string("Check the details of your stay."));
	else if (status == 422)
		json_object_set_new(model, "detail", json_string("Check the card number."));
	const char *room = json_string_value(json_object_get(form, "roomId"));
	char *end = NULL;
	long long room_id = room ? strtoll(room, &end, 10) : 0;
	if (room_id < 1 || room_id > MAX_ID || !end || *end) {
		c->res->page = "error";
		return status;
	}
	struct buf path = {0}, q = {0};
	static const char *const fields[] = {"checkIn", "checkOut", "nights", "guests"}; /* the rest: the form's own */
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		query_add(&q, form, fields[i]);
	buf_printf(&path, "/internal/rooms/%lld/page%s", room_id, buf_str(&q));
	struct call_result r;
	if (client_call("rooms", "GET", buf_str(&path), NULL, &r) == 0 && r.status == 200 && json_is_object(r.body)) {
		json_object_del(r.body, "status"); /* the room's "available": the problem's status stays */
		json_object_update_missing(model, r.body);
		const char *name = json_string_value(json_object_get(r.body, "name"));
		if (name && *name) /* as the room page is titled */
			snprintf(c->res->title, sizeof c->res->title, "%s", name);
		else
			snprintf(c->res->title, sizeof c->res->title, "Room %lld", room_id);
	} else if (r.status == 404) {
		c->res->page = "error";
	}
	if (!json_object_get(model, "free")) /* rooms not asked: free as the form was */
		json_object_set_new(model, "free", json_boolean(form_says_free(form)));
	if (to_summary)
		snprintf(c->res->title, sizeof c->res->title, "%s", json_is_true(json_object_get(model, "free")) ?
		         "Check your answers" : "Check your answers before paying");
	json_object_set_new(model, "signedIn", json_true());
	json_object_set_new(model, "isHost", json_false());
	call_result_free(&r);
	buf_free(&path);
	buf_free(&q);
	return status;
}

/* What the stay of b costs now, as rooms quotes it (GET /internal/rooms/{id}/page, the
 * summary page's own source): 0 also when rooms quotes nothing (no such room, a stay it
 * cannot take: the booking itself says so), -1 when rooms cannot be asked. */
static long long stay_total(const struct booking *b)
{
	char path[160];
	struct call_result r;
	snprintf(path, sizeof path, "/internal/rooms/%lld/page?checkIn=%s&checkOut=%s&guests=%lld", b->room_id,
	         b->check_in, b->check_out, b->guests);
	long long total = -1;
	if (client_call("rooms", "GET", path, NULL, &r) == 0 && (r.status == 200 || r.status == 404))
		total = json_integer_value(json_object_get(r.body, "total")); /* 0 when none */
	call_result_free(&r);
	return total;
}

/* A browser that reloads a booking's answer sends its form (and its token) again: the
 * stored answer (a 402 or 409; 5xx answers are never stored) comes back as the page the
 * first one was, with a fresh form. Reservations' one idempotent route is this one. */
static int booking_replayed(struct ctx *c, int status)
{
	c->res->page = "book";
	snprintf(c->res->title, sizeof c->res->title, "Book");
	return booking_page(c, status);
}

static int reservations_create(struct ctx *c)
{
	struct booking b;
	c->res->page = "book"; /* a browser's form comes back with what to correct */
	snprintf(c->res->title, sizeof c->res->title, "Book");
	json_t *errors = booking_read(c, &b);
	if (!json_array_size(errors) && b.free_stay && !b.card[0]) { /* shown free: is it still? */
		long long total = stay_total(&b);
		if (total < 0) {
			json_decref(errors);
			return booking_page(c, problem_unavailable(c, 1, "the room could not be asked for the price; try again"));
		}
		if (total > 0)
			field_error(errors, "card", "The stay is no longer free: enter your card number");
	}
	if (json_array_size(errors))
		return booking_page(c, problem_validation(c, errors));
	json_decref(errors);
	int again;
	long long id = booking_insert(c->db, &b, c->req->idem_key, &again);
	if (id < 0)
		return booking_page(c, problem_unavailable(c, 1, "the database is busy; try again"));
	return booking_page(c, again ? reply_booking(c, id, 1) : saga_hold(c, &b, id));
}

/* ---- reading ---- */

/* For the reservation page: payment and ticket state (kept from their events), and
 * which actions are open today (cancel until check-in, review from check-out on). */
static void reservation_page(struct ctx *c, json_t *res, const char *page, int owner)
{
	char today[11];
	config_today(today);
	int confirmed = strcmp(field_text(res, "status"), "confirmed") == 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT payment_status AS paymentStatus, ticket_code AS ticketCode, "
	                                  "ticket_status AS ticketStatus, ticket_id AS ticketId, room_name AS roomName, "
	                                  "review_id AS reviewId FROM reservation WHERE id = ?");
	sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(res, "id")));
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *extra = db_row_json(st);
		if (!owner) /* the host sees the booking, not the guest's ticket */
			json_object_del(extra, "ticketCode");
		json_object_update(res, extra);
		json_decref(extra);
	}
	db_done(st);
	const char *paid = field_text(res, "paymentStatus");
	json_object_set_new(res, "hasReceipt", json_boolean(owner && json_integer_value(json_object_get(res, "paymentId")) > 0 &&
	                                                    (strcmp(paid, "approved") == 0 || strcmp(paid, "refunded") == 0)));
	/* whose page it is: the guest's own leads back to My bookings, anyone else's (the
	 * room's host, an admin) to the room's bookings */
	json_object_set_new(res, "isGuest", json_boolean(json_integer_value(json_object_get(res, "accountId")) ==
	                                                 c->req->account_id));
	json_object_set_new(res, "canCancel", json_boolean(owner && confirmed && strcmp(field_text(res, "checkIn"), today) >= 0));
	const char *status = field_text(res, "status");
	int cancelled = strcmp(status, "cancelled") == 0 || strcmp(status, "force_cancelled") == 0;
	json_object_set_new(res, "wasCancelled", json_boolean(cancelled));
	/* cancelled a moment ago: its ticket is not shown as valid until tickets voids it */
	json_object_set_new(res, "ticketVoiding", json_boolean(cancelled && strcmp(field_text(res, "ticketStatus"), "issued") == 0));
	/* a room its host deleted has no page to link to, nor takes reviews */
	int withdrawn = room_withdrawn(c->db, json_integer_value(json_object_get(res, "id")));
	json_object_set_new(res, "roomDeleted", json_boolean(withdrawn));
	int stayed = owner && confirmed && !withdrawn && strcmp(field_text(res, "checkOut"), today) <= 0;
	int reviewed = json_integer_value(json_object_get(res, "reviewId")) > 0;
	json_object_set_new(res, "canReview", json_boolean(stayed && !reviewed));
	json_object_set_new(res, "wasReviewed", json_boolean(stayed && reviewed));
	json_object_set_new(res, "stayed", json_boolean(confirmed && strcmp(field_text(res, "checkOut"), today) <= 0));
	json_t *amount = json_object_get(res, "amount"); /* a free stay: nothing paid, nothing to give back */
	json_object_set_new(res, "free", json_boolean(json_is_integer(amount) && json_integer_value(amount) == 0));
	/* named as the guest knows it: the room (as the room page names one without a name:
	 * "room 3") and the booking's reference, not an id */
	const char *room = field_text(res, "roomName"), *ref = field_text(res, "reference");
	char numbered[32];
	if (!*room) {
		snprintf(numbered, sizeof numbered, "room %lld", (long long)json_integer_value(json_object_get(res, "roomId")));
		room = numbered;
	}
	/* an attempt that booked nothing is not a stay: "Not booked: stay at ..." */
	int nothing = strcmp(status, "rejected") == 0 || strcmp(status, "failed") == 0;
	const char *what = nothing ? "Not booked: stay" : "Stay";
	json_object_set_new(res, "heading", json_sprintf("%s at %s", what, room));
	if (*ref && strcmp(page, "reservation_cancel") == 0) /* the step asks; its title says which */
		snprintf(c->res->title, sizeof c->res->title, "Cancel booking %s at %s", ref, room);
	else if (*ref)
		snprintf(c->res->title, sizeof c->res->title, "%s at %s, %s %s", what, room, nothing ? "attempt" : "booking", ref);
	else
		snprintf(c->res->title, sizeof c->res->title, "%s", field_text(res, "heading"));
	c->res->page = page;
}

/* Who the caller is to reservation res: 2 the account that booked it (or an admin),
 * 1 the host of its room, 0 nobody (it is private: answer as if it did not exist). */
static int relation(const struct request *r, json_t *res)
{
	if (access_is(r, json_integer_value(json_object_get(res, "accountId"))))
		return 2;
	long long host = json_integer_value(json_object_get(res, "hostId"));
	return host > 0 && host == r->account_id ? 1 : 0;
}

static int reservation_show(struct ctx *c, const char *page)
{
	json_t *res = reservation_load(c->db, c->req->ids[0]);
	int rel = res ? relation(c->req, res) : 0;
	if (!rel) {
		json_decref(res);
		return problem(c, 404, "reservation %lld does not exist", c->req->ids[0]);
	}
	c->res->model = res;
	if (c->req->wants_html)
		reservation_page(c, res, page, rel == 2);
	return 200;
}

static int reservations_get(struct ctx *c) { return reservation_show(c, "reservation"); }

/* GET /reservations/{id}/confirmation: the page a guest lands on after booking (and may
 * come back to): "Booking confirmed" with the booking's reference (the id until
 * reservations have one), the stay in words, the total, the cancellation terms and what
 * happens next. Only for the account that booked it (or an admin); anyone else: 404. */
static int reservations_confirmation(struct ctx *c)
{
	json_t *res = reservation_load(c->db, c->req->ids[0]);
	if (!res || relation(c->req, res) < 2) {
		json_decref(res);
		return problem(c, 404, "reservation %lld does not exist", c->req->ids[0]);
	}
	c->res->model = res;
	if (!c->req->wants_html)
		return 200;
	reservation_page(c, res, "confirmation", 1);
	const char *reference = json_string_value(json_object_get(res, "reference"));
	char ref[64];
	if (reference && *reference)
		snprintf(ref, sizeof ref, "%s", reference);
	else
		snprintf(ref, sizeof ref, "%lld", (long long)json_integer_value(json_object_get(res, "id")));
	json_object_set_new(res, "bookingReference", json_string(ref));
	int confirmed = strcmp(field_text(res, "status"), "confirmed") == 0;
	char why[128];
	json_object_set_new(res, "emailOn", json_boolean(mail_off_reason(why, sizeof why) == 0)); /* promised only then */
	snprintf(c->res->title, sizeof c->res->title, confirmed ? "Booking confirmed" : "Booking %s", ref);
	return 200;
}

/* GET /reservations/{id}/cancel: the confirm step before a browser cancels, for whoever
 * may cancel (the room's host may see the booking, not cancel it: 403, as its post). */
static int reservations_cancel_confirm(struct ctx *c)
{
	json_t *res = reservation_load(c->db, c->req->ids[0]);
	int rel = res ? relation(c->req, res) : 0;
	json_decref(res);
	if (rel == 1)
		return problem(c, 403, "only the guest who booked reservation %lld may cancel it", c->req->ids[0]);
	return reservation_show(c, "reservation_cancel");
}

/* GET /reservations?reference=RB-...: the one reservation with that booking reference,
 * for whoever may see it (as GET /reservations/{id}; anyone else: 404), as a list of one
 * for scripts, and the reservation's page for browsers (303). How the reference is
 * typed does not matter ("rb 7k3q9f"); what cannot be one is 400. A browser that finds
 * nothing gets the list page again, with what was typed and why at the field (the
 * caller shows it): the status is returned, the sentence written to why. */
static int reference_not_found(struct ctx *c, int status, char *why)
{
	if (!c->req->wants_html)
		return problem(c, status, "%s", why);
	why[0] = (char)toupper((unsigned char)why[0]); /* a sentence at the field; a detail starts lower case */
	return status;
}

static int reservation_by_reference(struct ctx *c, const char *typed, char *why, size_t whylen)
{
	char ref[REFERENCE_SIZE];
	if (reference_parse(typed, ref)) {
		snprintf(why, whylen, "that is not a booking reference: those are RB- and six letters and digits, "
		                      "such as RB-7K3Q9F");
		return reference_not_found(c, 400, why);
	}
	sqlite3_stmt *st = db_prep(c->db, "SELECT " RES_COLUMNS " FROM reservation WHERE reference = ?");
	db_bind_text(st, 1, ref);
	json_t *res = sqlite3_step(st) == SQLITE_ROW ? db_row_json(st) : NULL;
	db_done(st);
	if (!res || !relation(c->req, res)) {
		json_decref(res);
		snprintf(why, whylen, "no booking of yours has the reference %s", ref);
		return reference_not_found(c, 404, why);
	}
	if (c->req->wants_html) {
		response_header(c->res, "Location", "/reservations/%lld", (long long)json_integer_value(json_object_get(res, "id")));
		json_decref(res);
		return 303;
	}
	json_t *items = json_array();
	json_array_append_new(items, res);
	c->res->model = json_pack("{s:o, s:n}", "items", items, "nextCursor");
	return 200;
}

static int reservations_list(struct ctx *c)
{
	long long limit, cursor, room_id = 0;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	const char *typed = query_get(c->req, "reference");
	char why[160] = "", *shown = NULL;
	int not_found = 0;
	if (typed && (rc = reservation_by_reference(c, typed, why, sizeof why)) != 0) {
		if (!c->req->wants_html || rc < 400)
			return rc;
		not_found = rc; /* the page of the caller's bookings, the reference's error at its field */
	}
	if ((rc = query_int(c, "roomId", 1, MAX_ID, &room_id)) > 1)
		return rc;
	static const char *const statuses[] = {"requested", "confirmed", "rejected", "failed", "cancelled",
	                                       "force_cancelled"};
	const char *status = query_get(c->req, "status");
	size_t known = 0;
	while (status && known < sizeof statuses / sizeof *statuses && strcmp(status, statuses[known]) != 0)
		known++;
	if (status && known == sizeof statuses / sizeof *statuses) /* a typo would list nothing, silently */
		return problem(c, 400, "parameter 'status' must be one of requested, confirmed, rejected, failed, "
		                       "cancelled, force_cancelled");
	long long account;
	if ((rc = access_list_scope(c, &account)) != 0)
		return rc;
	if (not_found) { /* what was typed is shown; the next page's link is of the list, not of it again */
		if (!(shown = strdup(typed)))
			return problem_unavailable(c, 1, "out of memory; try again");
		query_drop(c->req, "reference");
	}
	/* Yours and your rooms' (an admin: everyone's, or ?accountId='s); the page also names
	 * each room (the JSON resource keeps SPEC's fields). */
#define RES_LIST_WHERE                                                                                   \
	" FROM reservation WHERE (?1 IS NULL OR customer = ?1) AND (?2 = 0 OR room_id = ?2) "            \
	"AND (?3 IS NULL OR status = ?3) AND (?4 = 0 OR id < ?4) "                                         \
	"AND (?6 = 0 OR account_id = ?6 OR (?7 = 0 AND host_id = ?6)) ORDER BY id DESC LIMIT ?5"
	sqlite3_stmt *st = db_prep(c->db, c->req->wants_html ? "SELECT " RES_COLUMNS ", room_name AS roomName" RES_LIST_WHERE
	                                                     : "SELECT " RES_COLUMNS RES_LIST_WHERE);
#undef RES_LIST_WHERE
	db_bind_text(st, 1, query_get(c->req, "customer"));
	sqlite3_bind_int64(st, 2, room_id);
	db_bind_text(st, 3, query_get(c->req, "status"));
	sqlite3_bind_int64(st, 4, cursor);
	sqlite3_bind_int64(st, 5, limit + 1);
	sqlite3_bind_int64(st, 6, account);
	sqlite3_bind_int(st, 7, c->req->admin);
	json_t *items = db_rows_json(st);
	if (!items) {
		free(shown);
		return problem_unavailable(c, 1, "the database is busy; try again");
	}
	c->res->page = "reservations";
	snprintf(c->res->title, sizeof c->res->title, "Reservations");
	const char *room_name = json_string_value(json_object_get(json_array_get(items, 0), "roomName"));
	if (c->req->wants_html && !room_id) { /* one room's page names it once, above */
		size_t i;
		json_t *item;
		json_array_foreach(items, i, item) json_object_set_new(item, "showRoom", json_true());
	}
	rc = page_reply(c, items, limit, "id");
	if (rc == 200 && c->req->wants_html) /* the page of a host's bookings of one room, or of all */
		json_object_set_new(c->res->model, "ofRoom", room_id ? json_integer(room_id) : json_null());
	json_t *current = NULL; /* the room as it is named now (renamed since its bookings) */
	if (rc == 200 && c->req->wants_html && room_id) {
		struct call_result now;
		char path[64];
		snprintf(path, sizeof path, "/rooms/%lld", room_id);
		if (client_call("rooms", "GET", path, NULL, &now) == 0 && now.status == 200 &&
		    json_string_length(json_object_get(now.body, "name")))
			current = json_incref(json_object_get(now.body, "name"));
		call_result_free(&now);
		if (current) /* else (deleted, or rooms cannot say just now): as its newest booking named it */
			room_name = json_string_value(current);
	}
	if (rc == 200 && c->req->wants_html && room_id) {
		int named = room_name && *room_name; /* no bookings yet: the room's number */
		json_object_set_new(c->res->model, "ofRoomName", named ? json_string(room_name) : json_null());
		if (named)
			snprintf(c->res->title, sizeof c->res->title, "Bookings of %s", room_name);
		else
			snprintf(c->res->title, sizeof c->res->title, "Bookings of room %lld", room_id);
	}
	json_decref(current);
	if (rc == 200 && not_found) {
		json_t *errors = json_array();
		field_error(errors, "reference", why);
		json_object_set_new(c->res->model, "errors", errors);
		json_object_set_new(c->res->model, "detail", json_string(why));
		json_object_set_new(c->res->model, "form", json_pack("{s:s}", "reference", shown));
		rc = not_found;
	}
	free(shown);
	return rc;
}

/* ---- cancellation ---- */

/* The page's note after a cancel, naming the room and the stay ("Your booking at Sea
 * view room from Thu 10 Dec 2026 is cancelled; ..."). */
static void cancelled_flash(struct ctx *c, long long id)
{
	char from[32], room[160] = "";
	sqlite3_stmt *st = db_prep(c->db, "SELECT coalesce(nullif(room_name, ''), 'room ' || room_id), check_in "
	                                  "FROM reservation WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		snprintf(c->res->flash, sizeof c->res->flash, "Your booking is cancelled; the refund is on its way.");
		return;
	}
	const char *name = (const char *)sqlite3_column_text(st, 0);
	size_t n = strlen(name);
	if (n > 60) /* the note is short: cut before a character that starts at byte 60 or earlier */
		for (n = 60; n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80; n--)
			;
	snprintf(room, sizeof room, "%.*s%s", (int)n, name, name[n] ? "…" : "");
	human_date((const char *)sqlite3_column_text(st, 1), from, sizeof from);
	db_done(st);
	/* room is at most 60 bytes and "…", from a short date: the note fits (the precisions
	 * say so to the compiler too) */
	snprintf(c->res->flash, sizeof c->res->flash, "Your booking at %.64s from %.24s is cancelled; the refund is on its way.",
	         room, from);
}

/* Cancels reservation id for its customer: confirmed → cancelled with
 * ReservationCancelled (200); already cancelled → 200, nothing recorded; check-in in
 * the past or not confirmed → 409. Every cancel route ends here. */
static int reservation_cancel(struct ctx *c, long long id)
{
	char today[11];
	config_today(today);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	json_t *res = reservation_load(c->db, id);
	int rel = res ? relation(c->req, res) : 0;
	if (rel < 2) {
		db_rollback(c->db);
		json_decref(res);
		return rel ? problem(c, 403, "only the guest who booked reservation %lld may cancel it", id)
		           : problem(c, 404, "reservation %lld does not exist", id);
	}
	const char *status = field_text(res, "status");
	int done = strcmp(status, "cancelled") == 0 || strcmp(status, "force_cancelled") == 0;
	int refused = !done && strcmp(status, "confirmed") != 0;
	int past = !done && !refused && strcmp(field_text(res, "checkIn"), today) < 0;
	if (done || refused || past) {
		db_rollback(c->db);
		if (done) {
			c->res->model = res;
			return 200;
		}
		int rc = past ? problem(c, 409, "the check-in date of reservation %lld has passed", id)
		              : problem(c, 409, "a %s reservation cannot be cancelled", status);
		json_decref(res);
		return rc;
	}
	json_decref(res);
	sqlite3_stmt *st = db_prep(c->db, "UPDATE reservation SET status = 'cancelled', reason = 'customer', "
	                                  "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                                  "WHERE id = ? AND status = 'confirmed'");
	sqlite3_bind_int64(st, 1, id);
	if (db_run(st) != SQLITE_DONE || reservation_event(c->db, id, "ReservationCancelled") || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the reservation could not be cancelled; try again");
	}
	c->res->model = reservation_load(c->db, id);
	cancelled_flash(c, id);
	return 200;
}

static int reservations_cancel(struct ctx *c) { return reservation_cancel(c, c->req->ids[0]); }

/* PATCH/PUT with {"status": "reqCancel" | "CANCELED" | "cancelled"}: a cancel. */
static int reservations_update(struct ctx *c)
{
	static const char *const cancel_words[] = {"reqCancel", "CANCELED", "cancelled"};
	const char *status = NULL;
	json_t *errors = json_array();
	if (body_str(c, errors, "status", 32, &status) == 1) {
		for (size_t i = 0; i < sizeof cancel_words / sizeof *cancel_words; i++)
			if (strcmp(status, cancel_words[i]) == 0) {
				json_decref(errors);
				return reservation_cancel(c, c->req->ids[0]);
			}
	}
	if (json_array_size(errors) == 0)
		field_error(errors, "status", "must be reqCancel, CANCELED or cancelled");
	return problem_validation(c, errors);
}

/* ---- policy ---- */

/* RoomDeleted: every confirmed reservation of the room not yet over becomes
 * force_cancelled (reason room_deleted) with ReservationCancelled. Runs inside the
 * worker's transaction. */
static int on_room_deleted(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long room = event_data_id(ev, "roomId", err, errlen);
	char today[11];
	if (!room)
		return -1;
	config_today(today);
	sqlite3_stmt *st = db_prep(db, "INSERT OR IGNORE INTO deleted_room(room_id, deleted_at) "
	                               "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	sqlite3_bind_int64(st, 1, room);
	if (db_run(st) != SQLITE_DONE) {
		snprintf(err, errlen, "RoomDeleted: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	st = db_prep(db, "SELECT id FROM reservation WHERE room_id = ? AND status = 'confirmed' "
	                 "AND check_out > ? ORDER BY id");
	sqlite3_bind_int64(st, 1, room);
	db_bind_text(st, 2, today);
	json_t *ids = db_rows_json(st);
	size_t i;
	json_t *row;
	int rc = ids ? 0 : -1;
	json_array_foreach(ids, i, row) {
		long long id = json_integer_value(json_object_get(row, "id"));
		st = db_prep(db, "UPDATE reservation SET status = 'force_cancelled', reason = 'room_deleted', "
		                 "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ? AND status = 'confirmed'");
		sqlite3_bind_int64(st, 1, id);
		if (rc == 0 && (db_run(st) != SQLITE_DONE || reservation_event(db, id, "ReservationCancelled")))
			rc = -1;
	}
	json_decref(ids);
	if (rc)
		snprintf(err, errlen, "force-cancel failed: %s", sqlite3_errmsg(db->h));
	return rc;
}

/* Runs st, an update of the reservation's tracked state bound by the caller; a failure
 * is reported in err with the event's type. */
static int track_run(struct db *db, sqlite3_stmt *st, const struct event *ev, char *err, size_t errlen)
{
	if (db_run(st) == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "%s: %s", ev->type, sqlite3_errmsg(db->h));
	return -1;
}

/* PaymentApproved, PaymentDeclined, PaymentRefunded: keep the payment state the
 * reservation page shows. Inside the worker's transaction. */
static int on_payment(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	sqlite3_stmt *st = db_prep(db, "UPDATE reservation SET payment_status = ?2 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, json_string_value(json_object_get(ev->data, "status")));
	return track_run(db, st, ev, err, errlen);
}

/* TicketIssued, TicketVoided: keep the ticket state and code the reservation page
 * shows. Inside the worker's transaction. */
static int on_ticket(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	sqlite3_stmt *st = db_prep(db, "UPDATE reservation SET ticket_status = ?2, "
	                               "ticket_code = coalesce(?3, ticket_code), ticket_id = coalesce(?4, ticket_id) "
	                               "WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, json_string_value(json_object_get(ev->data, "status")));
	db_bind_text(st, 3, json_string_value(json_object_get(ev->data, "code")));
	event_bind_id(st, 4, ev, "ticketId");
	return track_run(db, st, ev, err, errlen);
}

/* ReviewCreated, ReviewDeleted: the review written about the stay, so that its page
 * stops (or, once the review is deleted, starts again) offering the review form. Reviews
 * recorded before the events named their reservation are skipped. Inside the worker's
 * transaction. */
static int on_review(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	if (!json_object_get(ev->data, "reservationId"))
		return 0;
	long long id = event_data_id(ev, "reservationId", err, errlen);
	long long review = event_data_id(ev, "reviewId", err, errlen);
	if (!id || !review)
		return -1;
	int created = strcmp(ev->type, "ReviewCreated") == 0;
	sqlite3_stmt *st = db_prep(db, created ? "UPDATE reservation SET review_id = ?2 WHERE id = ?1"
	                                       : "UPDATE reservation SET review_id = NULL WHERE id = ?1 AND review_id = ?2");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, review);
	return track_run(db, st, ev, err, errlen);
}

/* ---- recovery ---- */

/* True when the booking came with an Idempotency-Key (a retry with it learns the outcome). */
static int has_idempotency_key(struct db *db, long long id)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM reservation WHERE id = ? AND idempotency_key IS NOT NULL");
	sqlite3_bind_int64(st, 1, id);
	db_scalar_int(st, &n);
	return n > 0;
}

/* Whether payment p is for exactly what rooms holds for reservation id: 1 yes, 0 no (or
 * nothing held), -1 when rooms cannot say now. */
static int held_matches(long long id, json_t *p)
{
	char path[64];
	struct call_result h;
	snprintf(path, sizeof path, "/internal/holds/%lld", id);
	if (client_call("rooms", "GET", path, NULL, &h)) {
		call_result_free(&h);
		return -1;
	}
	json_t *amount = json_object_get(h.body, "amount");
	int ok = h.status == 200 && strcmp(field_text(h.body, "status"), "held") == 0 && json_is_integer(amount) &&
	         payment_matches(p, json_integer_value(amount));
	call_result_free(&h);
	return ok;
}

/* Finishes one booking whose saga stopped, by the rule "the outcome the client could
 * learn stands": no approved payment → failed (ReservationRejected releases the hold
 * and closes the payment); an approved charge of exactly the held amount → confirmed
 * when the booking has an Idempotency-Key (a retry learns it), else failed/interrupted
 * (released, refunded, the customer told); any other charge → failed and refunded.
 * Leaves it for the next pass when payments or rooms is unreachable. */
static void recover_one(struct db *db, long long id)
{
	char path[64];
	struct call_result r;
	snprintf(path, sizeof path, "/internal/payments?reservationId=%lld", id);
	if (client_call("payments", "GET", path, NULL, &r)) {
		call_result_free(&r);
		return;
	}
	const char *status = field_text(r.body, "status");
	json_t *amount = json_object_get(r.body, "amount");
	struct outcome o = {"failed", "unavailable", 0, -1, NULL, 0};
	if (r.status == 200 && (strcmp(status, "approved") == 0 || strcmp(status, "declined") == 0)) {
		int approved = strcmp(status, "approved") == 0;
		o.status = approved ? "confirmed" : "rejected";
		o.reason = approved ? NULL : "payment_declined";
		o.payment_id = json_integer_value(json_object_get(r.body, "id"));
		o.amount = json_is_integer(amount) ? json_integer_value(amount) : -1;
	}
	if (strcmp(o.status, "confirmed") == 0) {
		int held = held_matches(id, r.body);
		if (held < 0) { /* rooms unreachable: next pass */
			call_result_free(&r);
			return;
		}
		if (!held) { /* a charge that is not for what was held never confirms (it is refunded) */
			log_error("reservation %lld: payment %lld does not match its hold; failing it", id, o.payment_id);
			o.status = "failed";
			o.reason = "unavailable";
		} else if (!has_idempotency_key(db, id)) {
			/* The client was told it failed (its request died with the process) and cannot
			 * learn otherwise: undo it (release, refund, a message) rather than keep a
			 * booking it does not know about and may book again. */
			o.status = "failed";
			o.reason = "interrupted";
		}
	}
	int rc = saga_finish(db, id, &o);
	if (rc == 1)
		log_info("recovered reservation %lld (payment %s)", id, r.status == 200 ? status : "none");
	call_result_free(&r);
}

/* One pass: every `requested` booking untouched for SAGA_TIMEOUT_MS. */
static void recover_pass(struct db *db)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id, request_id AS requestId FROM reservation "
	                               "WHERE status = 'requested' "
	                               "AND (julianday('now') - julianday(updated_at)) * 86400000.0 > ? "
	                               "ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, config_long("SAGA_TIMEOUT_MS", 10000));
	sqlite3_bind_int64(st, 2, RECOVERY_BATCH);
	json_t *rows = db_rows_json(st);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (service_stopping())
			break;
		log_set_request_id(json_string_value(json_object_get(row, "requestId")));
		recover_one(db, json_integer_value(json_object_get(row, "id")));
	}
	log_set_request_id(NULL);
	json_decref(rows);
}

/* Background loop: a recovery pass every RECOVERY_INTERVAL_MS until shutdown. */
static void reservations_background(struct db *db)
{
	long interval = config_long("RECOVERY_INTERVAL_MS", 1000);
	while (!service_sleep_ms(interval > 0 ? interval : 1000))
		recover_pass(db);
}

static const struct route routes[] = {
	{"GET", "/reservations", reservations_list, "customer roomId status accountId reference limit cursor", 0},
	{"POST", "/reservations", reservations_create, "", ROUTE_IDEMPOTENT},
	{"GET", "/reservations/{id}", reservations_get, "", 0},
	{"GET", "/reservations/{id}/confirmation", reservations_confirmation, "", ROUTE_PAGE},
	{"DELETE", "/reservations/{id}", reservations_cancel, "", 0},
	{"PATCH", "/reservations/{id}", reservations_update, "", 0},
	{"PUT", "/reservations/{id}", reservations_update, "", 0},
	{"GET", "/reservations/{id}/cancel", reservations_cancel_confirm, "", ROUTE_PAGE},
	{"POST", "/reservations/{id}/cancel", reservations_cancel, "", 0},
};

static const struct subscription subs[] = {
	{"rooms", "RoomDeleted", on_room_deleted},
	{"rooms", "RoomRegistered", NULL},
	{"rooms", "RoomModified", NULL},
	{"rooms", "CapacityHeld", NULL},
	{"rooms", "CapacityReleased", NULL},
	{"rooms", "ReviewCreated", on_review},
	{"rooms", "ReviewDeleted", on_review},
	{"payments", "PaymentApproved", on_payment},
	{"payments", "PaymentDeclined", on_payment},
	{"payments", "PaymentRefunded", on_payment},
	{"tickets", "TicketIssued", on_ticket},
	{"tickets", "TicketVoided", on_ticket},
	{NULL, NULL, NULL},
};

const struct service reservations_service = {
	.name = "reservations",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.subs = subs,
	.background = reservations_background,
	.replayed = booking_replayed,
};
