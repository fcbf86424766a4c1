/* messages.c — the messages service: exactly one notification per confirmation or
 * cancellation event (the event id is unique), read through GET /messages, and each
 * one e-mailed to its account's address by the service's background thread (SMTP with
 * libcurl: messages_mail.c, and docs/operations.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/access.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/human.h"
#include "lib/log.h"
#include "lib/service.h"
#include "lib/view.h"
#include "messages_mail.h"

#define MESSAGE_COLUMNS \
	"id, reservation_id AS reservationId, account_id AS accountId, host_id AS hostId, customer, kind, text, " \
	"created_at AS createdAt"

static json_t *message_load(struct db *db, long long id)
{
	return db_row_by_id(db, "SELECT " MESSAGE_COLUMNS " FROM message WHERE id = ?", id);
}

/* The e-mail delivery of message id as the API shows it ("delivery"), or null when the
 * message has none. */
static json_t *delivery_load(struct db *db, long long id)
{
	json_t *d = db_row_by_id(db, "SELECT status, attempts, sent_at AS sentAt, "
	                             "CASE WHEN status IN ('pending', 'retrying') AND next_attempt_ms > 0 "
	                             "THEN strftime('%Y-%m-%dT%H:%M:%fZ', next_attempt_ms / 1000.0, 'unixepoch') "
	                             "END AS nextAttemptAt, last_error AS lastError "
	                             "FROM email WHERE message_id = ?",
	                         id);
	return d ? d : json_null();
}

/* Adds "delivery" to message m (as read by the API). */
static void with_delivery(struct db *db, json_t *m)
{
	json_object_set_new(m, "delivery", delivery_load(db, json_integer_value(json_object_get(m, "id"))));
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
	                                  "AND (?3 = 0 OR id < ?3) AND (?5 = 0 OR account_id = ?5 OR (?6 > 0 AND host_id = ?6)) "
	                                  "ORDER BY id DESC LIMIT ?4");
	db_bind_text(st, 1, query_get(c->req, "customer"));
	sqlite3_bind_int64(st, 2, reservation);
	sqlite3_bind_int64(st, 3, cursor);
	sqlite3_bind_int64(st, 4, limit + 1);
	sqlite3_bind_int64(st, 5, account);
	sqlite3_bind_int64(st, 6, access_host_scope(c, reservation));
	json_t *items = db_rows_json(st);
	if (!items)
		return problem_unavailable(c, 1, "the messages could not be read; try again");
	size_t i;
	json_t *m;
	json_array_foreach(items, i, m) with_delivery(c->db, m);
	c->res->page = "messages";
	snprintf(c->res->title, sizeof c->res->title, "Messages");
	return page_reply(c, items, limit, "id");
}

/* What a message's page is titled with: what happened (its kind in words), to which stay
 * (its room and reference, kept with the e-mail), rather than the message's id. The API
 * is unchanged. */
static void message_page_words(struct ctx *c, json_t *m)
{
	char words[64];
	human_words(json_string_value(json_object_get(m, "kind")), words, sizeof words);
	json_t *stay = NULL;
	sqlite3_stmt *st = db_prep(c->db, "SELECT stay FROM email WHERE message_id = ?");
	sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(m, "id")));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		stay = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	db_done(st);
	const char *room = json_string_value(json_object_get(stay, "roomName"));
	const char *ref = json_string_value(json_object_get(stay, "reference"));
	json_object_set_new(m, "roomName", room && *room ? json_string(room) : json_null());
	json_object_set_new(m, "reference", ref && *ref ? json_string(ref) : json_null());
	if (room && *room)
		snprintf(c->res->title, sizeof c->res->title, "%s: %s", words, room);
	else
		snprintf(c->res->title, sizeof c->res->title, "%s", words);
	json_decref(stay);
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
	with_delivery(c->db, m);
	c->res->model = m;
	c->res->page = "message";
	if (c->req->wants_html)
		message_page_words(c, m);
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
	char what[NAME_SIZE + 160], from[32], to[32], nights[32], guests[32], paid[64] = ""; /* the room, the stay */
	if (room && *room)
		utf8_copy(what, NAME_SIZE, room);
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
	/* a free stay (amount 0) has nothing paid and nothing to give back; for the others,
	 * whether a payment went through before a booking failed is not known here */
	int free_stay = json_is_integer(amount) && json_integer_value(amount) == 0;
	char refund[96];
	snprintf(refund, sizeof refund, "%s", free_stay ? "The stay was free: there is nothing to refund." : "Any payment is refunded.");
	if (json_is_integer(amount) && json_integer_value(amount) > 0) {
		char money[48];
		human_money(json_integer_value(amount), currency ? currency : config_currency(), money, sizeof money);
		snprintf(paid, sizeof paid, " %s paid.", money);
		/* a cancelled booking was confirmed, so paid: its amount comes back in full */
		if (strcmp(kind, "booking_failed") != 0)
			snprintf(refund, sizeof refund, "The payment of %s is refunded in full.", money);
	} else if (free_stay) {
		snprintf(paid, sizeof paid, " Nothing to pay.");
	}
	if (strcmp(kind, "confirmation") == 0)
		snprintf(out, size, "Booking confirmed: %s.%s", what, paid);
	else if (strcmp(kind, "cancellation") == 0)
		snprintf(out, size, "Booking cancelled: %s. %s", what, refund);
	else if (strcmp(kind, "booking_failed") == 0)
		snprintf(out, size, "Booking not completed: %s. %s Nothing is booked: book again if you still want the "
		         "stay.", what, refund);
	else
		snprintf(out, size, "Booking cancelled by the host, who withdrew the room: %s. %s", what, refund);
}

/* Queues the e-mail of message mid (in the event's transaction): status pending, and
 * what the e-mail says about the stay, from the reservation the event carries. The
 * background thread sends it; nothing here waits for a network. Returns 0 or -1. */
static int email_queue(struct db *db, long long mid, const struct event *ev)
{
	static const char *const keys[] = {"roomId", "roomName", "checkIn", "checkOut", "nights",
	                                   "guests", "amount",   "currency", "reference"};
	json_t *stay = json_object();
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		json_t *v = json_object_get(ev->data, keys[i]);
		if (v && !json_is_null(v))
			json_object_set(stay, keys[i], v);
	}
	char *text = json_dumps(stay, JSON_COMPACT);
	json_decref(stay);
	sqlite3_stmt *st = db_prep(db, "INSERT INTO email(message_id, status, stay, updated_at) "
	                               "VALUES (?, 'pending', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	sqlite3_bind_int64(st, 1, mid);
	db_bind_text(st, 2, text ? text : "{}");
	int rc = db_run(st) == SQLITE_DONE ? 0 : -1;
	free(text);
	return rc;
}

/* Stores the message of ev unless this event already has one, queues its e-mail, and
 * records MessageSent. */
static int message_send(struct db *db, const struct event *ev, const char *kind, long long id, char *err,
                        size_t errlen)
{
	const char *customer = json_string_value(json_object_get(ev->data, "customer"));
	char text[NAME_SIZE + 512]; /* message_text: the room, the stay, the longest words around them */
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
	if (email_queue(db, mid, ev)) {
		snprintf(err, errlen, "queue e-mail: %s", sqlite3_errmsg(db->h));
		return -1;
	}
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

/* `messages email-retry ID...`: a failed or off e-mail is sent again from the start. */
static int email_retry(struct db *db, int argc, char **argv)
{
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		char *end;
		long long id = strtoll(argv[i], &end, 10);
		if (id <= 0 || *end || db_begin(db)) {
			fprintf(stderr, "messages: %s: not a message id (or the database is busy)\n", argv[i]);
			rc = 1;
			continue;
		}
		sqlite3_stmt *st = db_prep(db, "UPDATE email SET status = 'pending', attempts = 0, next_attempt_ms = 0, "
		                               "last_error = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
		                               "WHERE message_id = ? AND status IN ('failed', 'off')");
		sqlite3_bind_int64(st, 1, id);
		if (db_run(st) != SQLITE_DONE || db_commit(db)) {
			db_rollback(db);
			fprintf(stderr, "messages: %lld: could not be queued again\n", id);
			rc = 1;
		} else if (sqlite3_changes(db->h) == 0) {
			fprintf(stderr, "messages: %lld: no failed or off e-mail (a sent one is never sent again)\n", id);
			rc = 1;
		} else {
			printf("message %lld: e-mail queued again\n", id);
		}
	}
	return rc;
}

/* `messages email-status`: how many e-mails are in each state. */
static int email_status(struct db *db)
{
	sqlite3_stmt *st = db_prep(db, "SELECT status, count(*) AS n FROM email GROUP BY status ORDER BY status");
	json_t *rows = db_rows_json(st);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		printf("%-8s %lld\n", json_string_value(json_object_get(row, "status")),
		       (long long)json_integer_value(json_object_get(row, "n")));
	json_decref(rows);
	return rows ? 0 : 1;
}

static int messages_command(struct db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[0], "email-retry") == 0)
		return email_retry(db, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "email-status") == 0)
		return email_status(db);
	fprintf(stderr, "usage: messages email-status | messages email-retry MESSAGE_ID...\n");
	return 2;
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
	.background = messages_background,
	.command = messages_command,
};
