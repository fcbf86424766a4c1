/* messages.c — the messages service: exactly one notification per confirmation or
 * cancellation event (the event id is unique), read through GET /messages. */
#include <stdio.h>
#include <string.h>

#include "lib/access.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/human.h"
#include "lib/service.h"

#define MESSAGE_COLUMNS \
	"id, reservation_id AS reservationId, account_id AS accountId, host_id AS hostId, customer, kind, text, " \
	"created_at AS createdAt"

static json_t *message_load(struct db *db, long long id)
{
	return db_row_by_id(db, "SELECT " MESSAGE_COLUMNS " FROM message WHERE id = ?", id);
}

static int messages_list(struct ctx *c)
{
	long long limit, cursor, reservation = 0;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	if ((rc = query_int(c, "reservationId", 1, 1LL << 53, &reservation)) > 1)
		return rc;
	long long account;
	if ((rc = access_list_scope(c, &account)) != 0)
		return rc;
	sqlite3_stmt *st = db_prep(c->db, "SELECT " MESSAGE_COLUMNS " FROM message "
	                                  "WHERE (?1 IS NULL OR customer = ?1) AND (?2 = 0 OR reservation_id = ?2) "
	                                  "AND (?3 = 0 OR id < ?3) AND (?5 = 0 OR account_id = ?5) "
	                                  "ORDER BY id DESC LIMIT ?4");
	db_bind_text(st, 1, query_get(c->req, "customer"));
	sqlite3_bind_int64(st, 2, reservation);
	sqlite3_bind_int64(st, 3, cursor);
	sqlite3_bind_int64(st, 4, limit + 1);
	sqlite3_bind_int64(st, 5, account);
	json_t *items = db_rows_json(st);
	if (!items)
		return problem_unavailable(c, 1, "the messages could not be read; try again");
	c->res->page = "messages";
	snprintf(c->res->title, sizeof c->res->title, "Messages");
	return page_reply(c, items, limit, "id");
}

static int messages_get(struct ctx *c)
{
	json_t *m = message_load(c->db, c->req->ids[0]);
	long long host = json_integer_value(json_object_get(m, "hostId"));
	if (!m || !(access_is(c->req, json_integer_value(json_object_get(m, "accountId"))) ||
	            (host > 0 && host == c->req->account_id))) {
		json_decref(m);
		return problem(c, 404, "message %lld does not exist", c->req->ids[0]);
	}
	c->res->model = m;
	c->res->page = "message";
	snprintf(c->res->title, sizeof c->res->title, "Message %lld", c->req->ids[0]);
	return 200;
}

/* Writes the customer-facing text of a message of kind about reservation id: what
 * happened, to which room (the event's roomName; "room N" for events from before it was
 * carried) and when, in human form ("Booking confirmed: Sea view room, Thu 10 Dec 2026
 * to Sat 12 Dec 2026 (2 nights, 2 guests)."). */
static void message_text(const struct event *ev, const char *kind, long long id, char *out, size_t size)
{
	const char *in = json_string_value(json_object_get(ev->data, "checkIn"));
	const char *out_date = json_string_value(json_object_get(ev->data, "checkOut"));
	const char *room = json_string_value(json_object_get(ev->data, "roomName"));
	json_t *amount = json_object_get(ev->data, "amount");
	const char *currency = json_string_value(json_object_get(ev->data, "currency"));
	char what[300], from[32], to[32], nights[32], guests[32], paid[64] = "";
	if (room && *room)
		snprintf(what, sizeof what, "%.200s", room);
	else if (json_is_integer(json_object_get(ev->data, "roomId")))
		snprintf(what, sizeof what, "room %lld", (long long)json_integer_value(json_object_get(ev->data, "roomId")));
	else
		snprintf(what, sizeof what, "booking %lld", id);
	if (in && out_date) {
		human_date(in, from, sizeof from);
		human_date(out_date, to, sizeof to);
		human_plural(date_diff(in, out_date), "night", NULL, nights, sizeof nights);
		human_plural(json_integer_value(json_object_get(ev->data, "guests")), "guest", NULL, guests, sizeof guests);
		size_t n = strlen(what);
		snprintf(what + n, sizeof what - n, ", %s to %s (%s, %s)", from, to, nights, guests);
	}
	if (json_is_integer(amount) && json_integer_value(amount) > 0) {
		char money[48];
		human_money(json_integer_value(amount), currency ? currency : config_currency(), money, sizeof money);
		snprintf(paid, sizeof paid, " %s paid.", money);
	}
	if (strcmp(kind, "confirmation") == 0)
		snprintf(out, size, "Booking confirmed: %s.%s", what, paid);
	else if (strcmp(kind, "cancellation") == 0)
		snprintf(out, size, "Booking cancelled: %s. Any payment is refunded.", what);
	else if (strcmp(kind, "booking_failed") == 0)
		snprintf(out, size, "Booking not completed: %s. Any payment is refunded and nothing is booked: "
		         "book again if you still want the stay.", what);
	else
		snprintf(out, size, "Booking cancelled by the host, who withdrew the room: %s. Any payment is refunded.",
		         what);
}

/* Stores the message of ev unless this event already has one, and records MessageSent. */
static int message_send(struct db *db, const struct event *ev, const char *kind, long long id, char *err,
                        size_t errlen)
{
	const char *customer = json_string_value(json_object_get(ev->data, "customer"));
	char text[512];
	message_text(ev, kind, id, text, sizeof text);
	sqlite3_stmt *st = db_prep(db, "INSERT INTO message(reservation_id, customer, kind, text, event_id, account_id, "
	                               "host_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
	                               "strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
	                               "ON CONFLICT(event_id) DO NOTHING");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, customer && *customer ? customer : "guest");
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, text);
	db_bind_text(st, 5, ev->event_id);
	event_bind_id(st, 6, ev, "accountId");
	event_bind_id(st, 7, ev, "hostId");
	if (db_run(st) != SQLITE_DONE) {
		snprintf(err, errlen, "store message: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	if (sqlite3_changes(db->h) == 0)
		return 0;
	long long mid = sqlite3_last_insert_rowid(db->h);
	if (event_record_state(db, "Message", mid, "MessageSent", message_load(db, mid), "messageId")) {
		snprintf(err, errlen, "MessageSent not recorded");
		return -1;
	}
	return 0;
}

/* Stores the message of kind about ev's reservation (once per event). */
static int message_about(struct db *db, const struct event *ev, const char *kind, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	return message_send(db, ev, kind, id, err, errlen);
}

/* ReservationConfirmed: the confirmation message. */
static int on_reservation_confirmed(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return message_about(db, ev, "confirmation", err, errlen);
}

/* ReservationCancelled: the cancellation message; a room withdrawn by its host
 * (reason room_deleted) says so. */
static int on_reservation_cancelled(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	const char *reason = json_string_value(json_object_get(ev->data, "reason"));
	int withdrawn = reason && strcmp(reason, "room_deleted") == 0;
	return message_about(db, ev, withdrawn ? "force_cancellation" : "cancellation", err, errlen);
}

/* ReservationRejected: only a booking undone after its process died mid-charge (reason
 * interrupted) gets a message: the customer was told it failed and may have seen a
 * charge. Sold out and declined bookings were answered at once and need none. */
static int on_reservation_rejected(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	const char *reason = json_string_value(json_object_get(ev->data, "reason"));
	if (!reason || strcmp(reason, "interrupted") != 0)
		return 0;
	return message_about(db, ev, "booking_failed", err, errlen);
}

static const struct route routes[] = {
	{"GET", "/messages", messages_list, "customer reservationId accountId limit cursor", 0},
	{"GET", "/messages/{id}", messages_get, "", 0},
};

static const struct subscription subs[] = {
	{"reservations", "ReservationConfirmed", on_reservation_confirmed},
	{"reservations", "ReservationCancelled", on_reservation_cancelled},
	{"reservations", "ReservationRejected", on_reservation_rejected},
	{NULL, NULL, NULL},
};

const struct service messages_service = {
	.name = "messages",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.subs = subs,
};
