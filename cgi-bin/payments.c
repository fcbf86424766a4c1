/* payments.c — the payments service: one payment per reservation, charged by
 * reservations over the internal listener through a simulated card processor, and
 * refunded when the reservation is cancelled or rejected; a printable receipt for each
 * charge and each refund. Only the card's last four digits are ever stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/access.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/rb_limits.h"
#include "lib/service.h"

#define DECLINED_CARD "4000000000000002"

#define PAYMENT_COLUMNS \
	"id, reservation_id AS reservationId, account_id AS accountId, host_id AS hostId, amount, currency, " \
	"status, card_last4 AS cardLast4, " \
	"created_at AS createdAt, updated_at AS updatedAt"

/* What a page shows of a payment besides the API's fields: the stay it paid for (kept
 * with the payment since migration 003; null on older ones). */
#define PAYMENT_STAY_COLUMNS \
	"reference, room_name AS roomName, check_in AS checkIn, check_out AS checkOut, nights, guests"

static json_t *payment_load(struct db *db, long long id)
{
	return db_row_by_id(db, "SELECT " PAYMENT_COLUMNS " FROM payment WHERE id = ?", id);
}

/* The payment of a reservation, or NULL when it has none. */
static json_t *payment_for(struct db *db, long long reservation_id)
{
	return db_row_by_id(db, "SELECT " PAYMENT_COLUMNS " FROM payment WHERE reservation_id = ?", reservation_id);
}

static const char *payment_status(json_t *p)
{
	const char *s = json_string_value(json_object_get(p, "status"));
	return s ? s : "";
}

/* Records a Payment* event whose data is the payment as it now is (inside the
 * caller's transaction). Returns 0 or -1. */
static int payment_event(struct db *db, long long id, const char *type)
{
	return event_record_state(db, "Payment", id, type, payment_load(db, id), "paymentId");
}

/* Answers with a stored payment (stolen): approved → ok_status, declined → 402
 * problem with the payment, refunded → 409 (the reservation is closed). */
static int reply_payment(struct ctx *c, json_t *p, int ok_status)
{
	const char *status = payment_status(p);
	if (strcmp(status, "approved") == 0) {
		c->res->model = p;
		c->res->page = "payment";
		return ok_status;
	}
	int rc = strcmp(status, "declined") == 0 ? problem(c, 402, "the payment was declined")
	                                          : problem(c, 409, "the reservation is closed");
	json_object_set_new(c->res->model, "payment", p);
	return rc;
}

struct charge {
	long long reservation_id, amount, account_id, host_id;
	const char *currency;
	/* what was bought, for the receipt (each NULL or 0 when not sent) */
	const char *reference, *room_name, *check_in, *check_out;
	long long nights, guests;
	int declined;  /* the simulated processor declines this card */
	char last4[5]; /* the card's last four digits, "" when none: all that leaves charge_read */
};

/* Reads and validates a charge; returns the field errors (empty when valid). */
static json_t *charge_read(struct ctx *c, struct charge *in)
{
	json_t *errors = json_array();
	const char *card = "";
	char digits[20]; /* the card's digits (at most 19); never leaves this function */
	size_t n = 0;
	memset(in, 0, sizeof *in);
	in->currency = config_currency();
	if (body_int(c, errors, "reservationId", 1, MAX_ID, &in->reservation_id) == 0)
		field_error(errors, "reservationId", "is required");
	if (body_int(c, errors, "amount", 0, MAX_AMOUNT, &in->amount) == 0)
		field_error(errors, "amount", "is required");
	body_str(c, errors, "currency", 8, &in->currency);
	body_int(c, errors, "accountId", 0, MAX_ID, &in->account_id);
	body_int(c, errors, "hostId", 0, MAX_ID, &in->host_id);
	body_str(c, errors, "card", 64, &card);
	body_str(c, errors, "reference", 16, &in->reference);
	/* the room's name as rooms has it, for the receipt: a name stored before rooms refused
	 * control characters must not refuse the charge (pages escape it, mail folds it) */
	const char *room_name = json_string_value(json_object_get(c->req->json, "roomName"));
	if (room_name && strlen(room_name) <= 800)
		in->room_name = room_name;
	body_date(c, errors, "checkIn", &in->check_in);
	body_date(c, errors, "checkOut", &in->check_out);
	body_int(c, errors, "nights", 1, MAX_NIGHTS, &in->nights);
	body_int(c, errors, "guests", 1, MAX_GUESTS, &in->guests);
	for (; *card && n < sizeof digits - 1; card++)
		if (*card >= '0' && *card <= '9')
			digits[n++] = *card;
	digits[n] = '\0';
	in->declined = strcmp(digits, DECLINED_CARD) == 0;
	if (n >= 4)
		memcpy(in->last4, digits + n - 4, sizeof in->last4);
	return errors;
}

/* The simulated processor: the failure drill (PAYMENT_FAILURE_RATE percent of charges
 * fail as if the processor were down) and its latency (PAYMENT_DELAY_MS). Returns 1
 * when this charge must fail. */
static int processor_down(void)
{
	long delay = config_long("PAYMENT_DELAY_MS", 0);
	long rate = config_long("PAYMENT_FAILURE_RATE", 0);
	unsigned short roll = 0;
	if (delay > 0)
		service_sleep_ms(delay);
	if (rate <= 0)
		return 0;
	if (getrandom(&roll, sizeof roll, 0) != (ssize_t)sizeof roll)
		return 1;
	return roll % 100 < rate;
}

/* Stores a new payment for in (inside the caller's transaction) with its event.
 * Returns the payment id or -1. */
static long long charge_store(struct db *db, const struct charge *in, int approved)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO payment(reservation_id, amount, currency, status, card_last4, "
	                               "account_id, host_id, reference, room_name, check_in, check_out, nights, guests, "
	                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	                               "strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	sqlite3_bind_int64(st, 1, in->reservation_id);
	sqlite3_bind_int64(st, 2, in->amount);
	db_bind_text(st, 3, in->currency);
	db_bind_text(st, 4, approved ? "approved" : "declined");
	db_bind_text(st, 5, in->last4[0] ? in->last4 : NULL);
	if (in->account_id)
		sqlite3_bind_int64(st, 6, in->account_id);
	if (in->host_id)
		sqlite3_bind_int64(st, 7, in->host_id);
	db_bind_text(st, 8, in->reference);
	db_bind_text(st, 9, in->room_name);
	db_bind_text(st, 10, in->check_in);
	db_bind_text(st, 11, in->check_out);
	if (in->nights)
		sqlite3_bind_int64(st, 12, in->nights);
	if (in->guests)
		sqlite3_bind_int64(st, 13, in->guests);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	long long id = sqlite3_last_insert_rowid(db->h);
	return payment_event(db, id, approved ? "PaymentApproved" : "PaymentDeclined") ? -1 : id;
}

static int is_closed(struct db *db, long long reservation_id)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM closed_reservation WHERE reservation_id = ?");
	sqlite3_bind_int64(st, 1, reservation_id);
	db_scalar_int(st, &n);
	return n > 0;
}

/* POST /internal/payments: charges a reservation once. A repeat answers the stored
 * result (200 or 402); a closed reservation is 409. */
static int payments_charge(struct ctx *c)
{
	struct charge in;
	json_t *errors = charge_read(c, &in);
	if (json_array_size(errors))
		return problem_validation(c, errors);
	json_decref(errors);
	if (processor_down())
		return problem_unavailable(c, 1, "the card processor is unavailable; try again");
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	json_t *p = payment_for(c->db, in.reservation_id);
	if (p || is_closed(c->db, in.reservation_id)) {
		db_rollback(c->db);
		return p ? reply_payment(c, p, 200) : problem(c, 409, "reservation %lld is closed", in.reservation_id);
	}
	long long id = charge_store(c->db, &in, !in.declined);
	if (id < 0 || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the payment could not be stored; try again");
	}
	return reply_payment(c, payment_load(c->db, id), 201);
}

/* GET /internal/payments?reservationId=: the payment of a reservation, or 404. */
static int payments_lookup(struct ctx *c)
{
	long long reservation_id = 0;
	int rc = query_int(c, "reservationId", 1, MAX_ID, &reservation_id);
	if (rc > 1)
		return rc;
	if (rc == 0)
		return problem(c, 400, "parameter 'reservationId' is required");
	c->res->model = payment_for(c->db, reservation_id);
	if (!c->res->model)
		return problem(c, 404, "reservation %lld has no payment", reservation_id);
	return 200;
}

static int payments_list(struct ctx *c)
{
	long long limit, cursor, reservation_id = 0;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	if ((rc = query_int(c, "reservationId", 1, MAX_ID, &reservation_id)) > 1)
		return rc;
	long long account;
	if ((rc = access_list_scope(c, &account)) != 0)
		return rc;
#define PAYMENTS_LIST_FROM " FROM payment WHERE (?1 = 0 OR reservation_id = ?1) AND (?2 = 0 OR id < ?2) " \
	                   "AND (?4 = 0 OR account_id = ?4 OR (?5 > 0 AND host_id = ?5)) ORDER BY id DESC LIMIT ?3"
	sqlite3_stmt *st = db_prep(c->db, c->req->wants_html ? "SELECT " PAYMENT_COLUMNS ", " PAYMENT_STAY_COLUMNS PAYMENTS_LIST_FROM
	                                                      : "SELECT " PAYMENT_COLUMNS PAYMENTS_LIST_FROM);
	sqlite3_bind_int64(st, 1, reservation_id);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit + 1);
	sqlite3_bind_int64(st, 4, account);
	sqlite3_bind_int64(st, 5, access_host_scope(c, reservation_id));
	json_t *items = db_rows_json(st);
	if (!items)
		return problem_unavailable(c, 1, "the database is busy; try again");
	access_hide_from_host(c, items, "cardLast4");
	c->res->page = "payments";
	snprintf(c->res->title, sizeof c->res->title, "Payments");
	return page_reply(c, items, limit, "id");
}

static int payments_get(struct ctx *c)
{
	json_t *p = payment_load(c->db, c->req->ids[0]);
	long long host = json_integer_value(json_object_get(p, "hostId"));
	int owner = p && access_is(c->req, json_integer_value(json_object_get(p, "accountId")));
	if (!owner && !(p && host > 0 && host == c->req->account_id)) {
		json_decref(p);
		return problem(c, 404, "payment %lld does not exist", c->req->ids[0]);
	}
	if (!owner) /* the host sees the payment, not the guest's card */
		json_object_del(p, "cardLast4");
	else if (c->req->wants_html) /* the page links to the receipts (the payer's only) */
		json_object_set_new(p, "hasReceipt", json_boolean(strcmp(payment_status(p), "declined") != 0));
	c->res->model = p;
	c->res->page = "payment";
	snprintf(c->res->title, sizeof c->res->title, "Payment %lld", c->req->ids[0]);
	if (c->req->wants_html) { /* named by the stay it paid for, as the guest knows it */
		json_t *stay = db_row_by_id(c->db, "SELECT " PAYMENT_STAY_COLUMNS " FROM payment WHERE id = ?", c->req->ids[0]);
		json_object_update(p, stay);
		json_decref(stay);
		const char *room = json_string_value(json_object_get(p, "roomName"));
		if (room && *room)
			snprintf(c->res->title, sizeof c->res->title, "Payment for the stay at %s", room);
	}
	return 200;
}

/* ---- receipts ---- */

#define RECEIPT_COLUMNS \
	"id AS paymentId, reservation_id AS reservationId, account_id AS accountId, reference, " \
	"room_name AS roomName, check_in AS checkIn, check_out AS checkOut, nights, guests, amount, currency, " \
	"status, card_last4 AS cardLast4, created_at AS paidAt, refunded_at AS refundedAt"

/* Sets issuedOn (YYYY-MM-DD), issuedTime (HH:MM) and timeZone on receipt r: when, in
 * the configured time zone (TZ, default UTC), the RFC 3339 UTC timestamp at says. */
static void receipt_when(json_t *r, const char *at)
{
	struct tm tm = {0};
	char day[16] = "", clock[8] = "";
	int y, mo, d, h, mi, sec;
	if (at && sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) == 6) {
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		time_t t = timegm(&tm);
		if (getenv("TZ")) /* as config_today: unset means UTC, not /etc/localtime */
			localtime_r(&t, &tm);
		else
			gmtime_r(&t, &tm);
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
		strftime(clock, sizeof clock, "%H:%M", &tm);
	}
	json_object_set_new(r, "issuedAt", at ? json_string(at) : json_null());
	json_object_set_new(r, "issuedOn", json_string(day));
	json_object_set_new(r, "issuedTime", json_string(clock));
	json_object_set_new(r, "timeZone", json_string(getenv("TZ") && *getenv("TZ") ? getenv("TZ") : "UTC"));
}

/* A receipt of payment {id}: the charge (refund 0) or its refund (refund 1). Only for
 * the guest who paid and admins: the host of the room gets 404 like anyone else (a
 * receipt shows the card's last digits). A declined payment charged nothing and has no
 * receipt; a refund receipt exists once the payment is refunded. */
static int receipt_show(struct ctx *c, int refund)
{
	long long id = c->req->ids[0];
	json_t *r = db_row_by_id(c->db, "SELECT " RECEIPT_COLUMNS " FROM payment WHERE id = ?", id);
	if (!r || !access_is(c->req, json_integer_value(json_object_get(r, "accountId")))) {
		json_decref(r);
		return problem(c, 404, "payment %lld does not exist", id);
	}
	const char *status = payment_status(r);
	int rc = 0;
	if (strcmp(status, "declined") == 0)
		rc = problem(c, 404, "payment %lld was declined: nothing was charged, so there is no receipt", id);
	else if (refund && strcmp(status, "refunded") != 0)
		rc = problem(c, 404, "payment %lld has not been refunded", id);
	if (rc) {
		json_decref(r);
		return rc;
	}
	char number[32];
	snprintf(number, sizeof number, "%s-%06lld", refund ? "RF" : "P", id);
	json_object_set_new(r, "number", json_string(number));
	json_object_set_new(r, "kind", json_string(refund ? "refund" : "payment"));
	json_t *seller = json_string(config_str("BUSINESS_NAME", "Roombook")); /* NULL: not UTF-8 */
	json_object_set_new(r, "seller", seller ? seller : json_string("Roombook"));
	const char *paid = json_string_value(json_object_get(r, "paidAt"));
	const char *refunded = json_string_value(json_object_get(r, "refundedAt"));
	receipt_when(r, refund && refunded ? refunded : paid);
	json_object_del(r, "accountId");
	c->res->model = r;
	c->res->page = "receipt";
	snprintf(c->res->title, sizeof c->res->title, "%s %s", refund ? "Refund receipt" : "Receipt", number);
	return 200;
}

static int payments_receipt(struct ctx *c) { return receipt_show(c, 0); }

static int payments_refund_receipt(struct ctx *c) { return receipt_show(c, 1); }

/* ReservationCancelled, ReservationRejected: the reservation's approved payment is
 * refunded (once), or, with no payment yet, the reservation is closed so a late charge
 * is refused. Inside the worker's transaction. */
static int on_reservation_ended(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	json_t *p = payment_for(db, id);
	int rc = 0;
	if (!p) {
		sqlite3_stmt *st = db_prep(db, "INSERT OR IGNORE INTO closed_reservation(reservation_id, closed_at) "
		                               "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
		sqlite3_bind_int64(st, 1, id);
		rc = db_run(st) == SQLITE_DONE ? 0 : -1;
	} else if (strcmp(payment_status(p), "approved") == 0) {
#ifdef ROOMBOOK_BROKEN_REFUND
		/* The chaos test's negative control only (make CHAOS_BROKEN=1, build/broken):
		 * the refund is skipped, so the audit must name cancelled.refunded_once. */
		json_decref(p);
		return 0;
#endif
		long long pid = json_integer_value(json_object_get(p, "id"));
		sqlite3_stmt *st = db_prep(db, "UPDATE payment SET status = 'refunded', "
		                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
		                               "refunded_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
		                               "WHERE id = ? AND status = 'approved'");
		sqlite3_bind_int64(st, 1, pid);
		rc = db_run(st) == SQLITE_DONE && payment_event(db, pid, "PaymentRefunded") == 0 ? 0 : -1;
	}
	json_decref(p);
	if (rc)
		snprintf(err, errlen, "%s: %s", ev->type, sqlite3_errmsg(db->h));
	return rc;
}

static const struct route routes[] = {
	{"GET", "/payments", payments_list, "reservationId accountId limit cursor", 0},
	{"GET", "/payments/{id}", payments_get, "", 0},
	{"GET", "/payments/{id}/receipt", payments_receipt, "", 0},
	{"GET", "/payments/{id}/refund-receipt", payments_refund_receipt, "", 0},
	{"POST", "/internal/payments", payments_charge, "", ROUTE_INTERNAL},
	{"GET", "/internal/payments", payments_lookup, "reservationId", ROUTE_INTERNAL},
};

static const struct subscription subs[] = {
	{"reservations", "ReservationCancelled", on_reservation_ended},
	{"reservations", "ReservationRejected", on_reservation_ended},
	{"reservations", "ReservationConfirmed", NULL},
	{NULL, NULL, NULL},
};

const struct service payments_service = {
	.name = "payments",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.subs = subs,
};
