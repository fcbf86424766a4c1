/* mypage.c — the mypage service: a read model (CQRS view) of reservations and rooms built
 * only from events. Each event upserts only the field group its source owns, because
 * events of different sources arrive in any order. Never calls another service. */
#include <stdio.h>
#include <string.h>

#include "lib/access.h"
#include "lib/client.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/service.h"

#define PAGE_MESSAGES 20

/* The account's latest messages, newest first. */
static json_t *messages_latest(struct db *db, long long account)
{
	sqlite3_stmt *st = db_prep(db, "SELECT message_id AS id, reservation_id AS reservationId, kind, text, "
	                               "created_at AS createdAt FROM view_message WHERE account_id = ? "
	                               "ORDER BY message_id DESC LIMIT ?");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int(st, 2, PAGE_MESSAGES);
	json_t *rows = db_rows_json(st);
	return rows ? rows : json_array();
}

/* For the page: which reservations can still be cancelled (confirmed, check-in today or
 * later), which may be reviewed, and whose ticket is still to be voided (cancelled a
 * moment ago: the ticket is not shown as valid meanwhile). */
static void mark_cancellable(json_t *reservations)
{
	char today[11];
	size_t i;
	json_t *r;
	config_today(today);
	json_array_foreach(reservations, i, r)
	{
		const char *status = json_string_value(json_object_get(r, "status"));
		const char *check_in = json_string_value(json_object_get(r, "checkIn"));
		json_object_set_new(r, "canCancel", json_boolean(status && check_in && strcmp(status, "confirmed") == 0 &&
		                                                 strcmp(check_in, today) >= 0));
		const char *ticket = json_string_value(json_object_get(r, "ticketStatus"));
		int cancelled = status && (strcmp(status, "cancelled") == 0 || strcmp(status, "force_cancelled") == 0);
		json_object_set_new(r, "ticketVoiding", json_boolean(cancelled && ticket && strcmp(ticket, "issued") == 0));
		/* a stay over (from check-out on), not yet reviewed, in a room still offered */
		const char *check_out = json_string_value(json_object_get(r, "checkOut"));
		json_object_set_new(r, "stayed", json_boolean(status && check_out && strcmp(status, "confirmed") == 0 &&
		                                              strcmp(check_out, today) <= 0)); /* "Stayed", not "Confirmed" */
		json_object_set_new(r, "canReview", json_boolean(status && check_out && strcmp(status, "confirmed") == 0 &&
		                                                 strcmp(check_out, today) <= 0 &&
		                                                 !json_integer_value(json_object_get(r, "reviewId")) &&
		                                                 json_integer_value(json_object_get(r, "reviewKnown")) &&
		                                                 !json_integer_value(json_object_get(r, "roomDeleted"))));
	}
}

/* ---- the page (browsers): upcoming stays, then past and cancelled ones, then the
 * attempts that booked nothing (collapsed), then the latest messages. The JSON answer
 * stays one list, newest first (SPEC §4). ---- */

#define PAGE_UPCOMING 100 /* upcoming stays are few: all of them on the first page */
#define PAGE_NOT_BOOKED 20

/* What a booking card shows; `which` picks the rows, ?1 account, ?2 today, ?3 cursor, ?4 limit. */
#define CARD_SQL(which, order)                                                                              \
	"SELECT r.reservation_id AS reservationId, r.room_id AS roomId, "                                         \
	"coalesce(nullif(v.name, ''), v.\"desc\") AS roomName, r.check_in AS checkIn, r.check_out AS checkOut, " \
	"CAST(julianday(r.check_out) - julianday(r.check_in) AS INTEGER) AS nights, r.guests, r.amount, "        \
	"r.status, r.reason, r.payment_status AS paymentStatus, r.ticket_code AS ticketCode, "                   \
	"r.ticket_status AS ticketStatus, r.review_id AS reviewId, r.review_known AS reviewKnown, "               \
	"r.updated_at AS updatedAt, r.reference, "                                                                \
	"coalesce(v.status, '') = 'deleted' AS roomDeleted "                                                      \
	"FROM view_reservation r LEFT JOIN view_room v ON v.room_id = r.room_id "                                 \
	"WHERE r.account_id = ?1 AND (?3 = 0 OR r.reservation_id < ?3) AND " which " ORDER BY " order " LIMIT ?4"

/* Still to come (or under way): a live booking whose check-out is after today. */
#define UPCOMING "r.status IN ('confirmed', 'requested') AND r.check_out > ?2"
#define NOT_BOOKED "r.status IN ('rejected', 'failed')"

static json_t *cards(struct db *db, const char *sql, long long account, const char *today, long long cursor,
                     long long limit)
{
	sqlite3_stmt *st = db_prep(db, sql);
	sqlite3_bind_int64(st, 1, account);
	db_bind_text(st, 2, today);
	sqlite3_bind_int64(st, 3, cursor);
	sqlite3_bind_int64(st, 4, limit);
	json_t *rows = db_rows_json(st);
	mark_cancellable(rows);
	return rows;
}

/* The browser's model: {customer, groups: [{key, heading, empty, items}] (upcoming, then
 * past and cancelled), notBooked, nextCursor, olderPage, messages}. A ?cursor= page shows
 * only older past bookings. */
static int mypage_page(struct ctx *c, long long account, const char *customer, long long limit, long long cursor)
{
	char today[11];
	config_today(today);
	json_t *past = cards(c->db, CARD_SQL("NOT (" UPCOMING ") AND NOT " NOT_BOOKED, "r.reservation_id DESC"), account,
	                     today, cursor, limit + 1);
	json_t *upcoming = cursor ? json_array()
	                          : cards(c->db, CARD_SQL(UPCOMING, "r.check_in, r.reservation_id"), account, today, 0,
	                                  PAGE_UPCOMING);
	json_t *failed = cursor ? json_array()
	                        : cards(c->db, CARD_SQL(NOT_BOOKED, "r.reservation_id DESC"), account, today, 0,
	                                PAGE_NOT_BOOKED);
	if (!past || !upcoming || !failed) {
		json_decref(past);
		json_decref(upcoming);
		json_decref(failed);
		return problem_unavailable(c, 1, "the page could not be read; try again");
	}
	json_t *next = json_null();
	if ((long long)json_array_size(past) > limit) {
		json_array_remove(past, (size_t)limit);
		char id[32];
		snprintf(id, sizeof id, "%lld",
		         (long long)json_integer_value(json_object_get(json_array_get(past, (size_t)limit - 1), "reservationId")));
		json_decref(next);
		next = json_string(id);
	}
	json_t *groups = json_array(); /* the cards: upcoming first, then past and cancelled */
	if (!cursor)
		json_array_append_new(groups, json_pack("{s:s, s:s, s:s, s:o}", "key", "upcoming", "heading", "Upcoming stays",
		                                        "empty", "No upcoming stays.", "items", upcoming));
	else
		json_decref(upcoming);
	json_array_append_new(groups, json_pack("{s:s, s:s, s:s, s:o}", "key", "past", "heading",
	                                        cursor ? "Older past and cancelled bookings" : "Past and cancelled",
	                                        "empty", "None yet.", "items", past));
	c->res->model = json_pack("{s:s, s:o, s:I, s:o, s:o, s:b, s:o}", "customer", customer, "groups", groups,
	                          "notBookedCount", (json_int_t)json_array_size(failed), "notBooked", failed,
	                          "nextCursor", next, "olderPage", cursor > 0,
	                          "messages", cursor ? json_array() : messages_latest(c->db, account));
	snprintf(c->res->title, sizeof c->res->title, "My bookings");
	c->res->page = "mypage";
	c->res->status = 200;
	return 200;
}

static int mypage_get(struct ctx *c)
{
	long long limit, cursor;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	long long account;
	if ((rc = access_list_scope(c, &account)) != 0)
		return rc;
	if (!account) /* an admin looks at one account's page at a time */
		account = c->req->account_id;
	const char *customer = c->req->account_name ? c->req->account_name : "";
	char theirs[NAME_SIZE] = "";
	if (account != c->req->account_id) { /* an admin on someone's page: their name, not the admin's */
		char path[64];
		struct call_result who;
		snprintf(path, sizeof path, "/internal/accounts/%lld", account);
		if (client_call("accounts", "GET", path, NULL, &who) == 0 && who.status == 200 &&
		    json_is_string(json_object_get(who.body, "name")))
			utf8_copy(theirs, sizeof theirs, json_string_value(json_object_get(who.body, "name")));
		call_result_free(&who);
		customer = theirs; /* "" when accounts cannot say just now (or there is no such account) */
	}
	if (c->req->wants_html)
		return mypage_page(c, account, customer, limit, cursor);
	sqlite3_stmt *st = db_prep(c->db,
		"SELECT r.reservation_id AS reservationId, r.room_id AS roomId, "
		"coalesce(nullif(v.name, ''), v.\"desc\") AS roomName, r.check_in AS checkIn, "
		"r.check_out AS checkOut, r.guests, r.amount, r.status, r.payment_status AS paymentStatus, "
		"r.ticket_code AS ticketCode, r.ticket_status AS ticketStatus, r.updated_at AS updatedAt "
		"FROM view_reservation r LEFT JOIN view_room v ON v.room_id = r.room_id "
		"WHERE r.account_id = ?1 AND (?2 = 0 OR r.reservation_id < ?2) "
		"ORDER BY r.reservation_id DESC LIMIT ?3");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit + 1);
	/* {"customer", "reservations", "nextCursor"}, written straight from the rows */
	buf_puts(&c->res->text, "{\"customer\":");
	buf_json_string(&c->res->text, customer);
	buf_puts(&c->res->text, ",\"reservations\":");
	char key[64]; /* the rows depend on nothing but the bound values */
	snprintf(key, sizeof key, "mypage %lld %lld %lld", account, cursor, limit);
	return page_reply_rows(c, st, limit, "reservationId", key);
}

static int roomviews_list(struct ctx *c)
{
	long long limit, cursor;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	long long account; /* the rooms the caller hosts; an admin's: every room, or ?accountId='s */
	if ((rc = access_list_scope(c, &account)) != 0)
		return rc;
	sqlite3_stmt *st = db_prep(c->db, "SELECT room_id AS roomId, name, \"desc\", status, review_cnt AS reviewCnt, "
	                                  "rating, reservations, last_reservation_id AS lastReservationId, "
	                                  "last_reservation_status AS lastReservationStatus FROM view_room "
	                                  "WHERE room_id > ?1 AND (?3 = 0 OR host_id = ?3) ORDER BY room_id LIMIT ?2");
	sqlite3_bind_int64(st, 1, cursor);
	sqlite3_bind_int64(st, 2, limit + 1);
	sqlite3_bind_int64(st, 3, account);
	json_t *items = db_rows_json(st);
	if (!items)
		return problem_unavailable(c, 1, "the room views could not be read; try again");
	c->res->page = "roomviews";
	if (c->req->wants_html) { /* a deleted room has no page to link to */
		size_t i;
		json_t *item;
		json_array_foreach(items, i, item)
		{
			const char *status = json_string_value(json_object_get(item, "status"));
			json_object_set_new(item, "offered", json_boolean(!status || strcmp(status, "deleted") != 0));
		}
	}
	if (account == c->req->account_id)
		snprintf(c->res->title, sizeof c->res->title, "Rooms you host");
	else if (account == 0) /* an admin's: every room */
		snprintf(c->res->title, sizeof c->res->title, "All rooms");
	else
		snprintf(c->res->title, sizeof c->res->title, "Rooms hosted by account %lld", account);
	return page_reply(c, items, limit, "roomId");
}

/* ---- the projection ---- */

/* Binds an integer field of o at index i, or NULL when absent or not an integer. */
static void bind_int_field(sqlite3_stmt *st, int i, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else
		sqlite3_bind_null(st, i);
}

/* A string field of o, or NULL when absent or not a string. */
static const char *str_field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The status an event's data gives, else the one its type implies. */
static const char *event_status(const struct event *ev, const char *implied)
{
	const char *s = str_field(ev->data, "status");
	return s && *s ? s : implied;
}

/* Runs st (bound by the caller) and reports a failure in err. */
static int run_upsert(struct db *db, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	if (db_run(st) == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db->h));
	return -1;
}

/* Reservation*: the reservation's own fields and status (implied by the type when the
 * data has none), and its room's counters. */
static int project_reservation(struct db *db, const struct event *ev, const char *implied, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	const char *status = event_status(ev, implied);
	sqlite3_stmt *st = db_prep(db,
		"INSERT INTO view_reservation(reservation_id, room_id, customer, check_in, check_out, guests, "
		"amount, status, updated_at, account_id, reason, reference) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
		"ON CONFLICT(reservation_id) DO UPDATE SET room_id = coalesce(?2, room_id), "
		"customer = coalesce(?3, customer), check_in = coalesce(?4, check_in), "
		"check_out = coalesce(?5, check_out), guests = coalesce(?6, guests), amount = coalesce(?7, amount), "
		"status = coalesce(?8, status), updated_at = max(updated_at, ?9), "
		"account_id = coalesce(?10, account_id), reason = coalesce(?11, reason), "
		"reference = coalesce(?12, reference)");
	sqlite3_bind_int64(st, 1, id);
	bind_int_field(st, 2, ev->data, "roomId");
	db_bind_text(st, 3, str_field(ev->data, "customer"));
	db_bind_text(st, 4, str_field(ev->data, "checkIn"));
	db_bind_text(st, 5, str_field(ev->data, "checkOut"));
	bind_int_field(st, 6, ev->data, "guests");
	bind_int_field(st, 7, ev->data, "amount");
	db_bind_text(st, 8, status);
	db_bind_text(st, 9, ev->occurred_at);
	event_bind_id(st, 10, ev, "accountId");
	db_bind_text(st, 11, str_field(ev->data, "reason"));
	db_bind_text(st, 12, str_field(ev->data, "reference"));
	if (run_upsert(db, st, "reservation view", err, errlen))
		return -1;
	json_t *room = json_object_get(ev->data, "roomId");
	if (!json_is_integer(room))
		return 0;
	/* an attempt that booked nothing (rejected, failed) is not the room's last booking,
	 * as it is not counted among its reservations; and the last booking is the newest
	 * (ids grow with time), whatever older booking an event changes afterwards (a
	 * cancellation) */
	int booked = strcmp(implied, "rejected") != 0;
	st = db_prep(db, booked ? "INSERT INTO view_room(room_id, reservations, last_reservation_id, "
	                          "last_reservation_status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
	                          "ON CONFLICT(room_id) DO UPDATE SET reservations = reservations + ?2, "
	                          "last_reservation_id = max(coalesce(last_reservation_id, ?3), ?3), "
	                          "last_reservation_status = CASE WHEN coalesce(last_reservation_id, ?3) <= ?3 "
	                          "THEN ?4 ELSE last_reservation_status END, "
	                          "updated_at = max(updated_at, ?5)"
	                        : "INSERT INTO view_room(room_id, reservations, updated_at) VALUES (?1, ?2, ?5) "
	                          "ON CONFLICT(room_id) DO UPDATE SET updated_at = max(updated_at, ?5)");
	sqlite3_bind_int64(st, 1, json_integer_value(room));
	sqlite3_bind_int(st, 2, strcmp(implied, "confirmed") == 0);
	sqlite3_bind_int64(st, 3, id);
	db_bind_text(st, 4, status);
	db_bind_text(st, 5, ev->occurred_at);
	return run_upsert(db, st, "room view", err, errlen);
}

/* Payment*: the payment status of the reservation (implied by the type when the data
 * has none). */
static int project_payment(struct db *db, const struct event *ev, const char *implied, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO view_reservation(reservation_id, payment_status, updated_at) "
	                               "VALUES (?1, ?2, ?3) ON CONFLICT(reservation_id) DO UPDATE SET "
	                               "payment_status = coalesce(?2, payment_status), "
	                               "updated_at = max(updated_at, ?3)");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, event_status(ev, implied));
	db_bind_text(st, 3, ev->occurred_at);
	return run_upsert(db, st, "payment view", err, errlen);
}

/* Ticket*: the ticket code and status of the reservation (implied by the type when the
 * data has none). */
static int project_ticket(struct db *db, const struct event *ev, const char *implied, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "reservationId", err, errlen);
	if (!id)
		return -1;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO view_reservation(reservation_id, ticket_code, ticket_status, "
	                               "updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(reservation_id) DO UPDATE SET "
	                               "ticket_code = coalesce(?2, ticket_code), "
	                               "ticket_status = coalesce(?3, ticket_status), updated_at = max(updated_at, ?4)");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, str_field(ev->data, "code"));
	db_bind_text(st, 3, event_status(ev, implied));
	db_bind_text(st, 4, ev->occurred_at);
	return run_upsert(db, st, "ticket view", err, errlen);
}

/* RoomRegistered, RoomModified (deleted 0): the room's name, description and status;
 * RoomDeleted (deleted 1): status deleted. */
static int project_room(struct db *db, const struct event *ev, int deleted, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "roomId", err, errlen);
	if (!id)
		return -1;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO view_room(room_id, name, \"desc\", status, updated_at, host_id) "
	                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(room_id) DO UPDATE SET "
	                               "name = coalesce(?2, name), \"desc\" = coalesce(?3, \"desc\"), "
	                               "status = coalesce(?4, status), updated_at = max(updated_at, ?5), "
	                               "host_id = coalesce(?6, host_id)");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, deleted ? NULL : str_field(ev->data, "name"));
	db_bind_text(st, 3, deleted ? NULL : str_field(ev->data, "desc"));
	db_bind_text(st, 4, deleted ? "deleted" : event_status(ev, "available"));
	db_bind_text(st, 5, ev->occurred_at);
	event_bind_id(st, 6, ev, "hostId");
	return run_upsert(db, st, "room view", err, errlen);
}

/* ReviewCreated, ReviewDeleted: the room's review count and average rating, as the event carries them. */
static int project_review(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "roomId", err, errlen);
	if (!id)
		return -1;
	json_t *count = json_object_get(ev->data, "reviewCnt"), *rating = json_object_get(ev->data, "roomRating");
	if (!json_is_integer(count)) {
		snprintf(err, errlen, "%s without reviewCnt", ev->type);
		return -1;
	}
	sqlite3_stmt *st = db_prep(db, "INSERT INTO view_room(room_id, review_cnt, rating, updated_at) "
	                               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(room_id) DO UPDATE SET "
	                               "review_cnt = ?2, rating = ?3, updated_at = max(updated_at, ?4)");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, json_integer_value(count));
	if (json_is_number(rating))
		sqlite3_bind_double(st, 3, json_number_value(rating));
	db_bind_text(st, 4, ev->occurred_at);
	if (run_upsert(db, st, "room view", err, errlen))
		return -1;
	json_t *stay = json_object_get(ev->data, "reservationId"), *review = json_object_get(ev->data, "reviewId");
	if (!json_is_integer(stay) || !json_is_integer(review)) /* a review filed under no stay */
		return 0;
	int created = strcmp(ev->type, "ReviewCreated") == 0;
	st = db_prep(db, created ? "INSERT INTO view_reservation(reservation_id, review_id, updated_at) VALUES (?1, ?2, ?3) "
	                           "ON CONFLICT(reservation_id) DO UPDATE SET review_id = ?2, review_known = 1, "
	                           "updated_at = max(updated_at, ?3)"
	                         : "UPDATE view_reservation SET review_id = NULL, review_known = 1, "
	                           "updated_at = max(updated_at, ?3) WHERE reservation_id = ?1 AND "
	                           "(review_id = ?2 OR review_id IS NULL)");
	sqlite3_bind_int64(st, 1, json_integer_value(stay));
	sqlite3_bind_int64(st, 2, json_integer_value(review));
	db_bind_text(st, 3, ev->occurred_at);
	return run_upsert(db, st, "review of a stay", err, errlen);
}

/* MessageSent: the message, for the customer's page. */
static int project_message(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long id = event_data_id(ev, "messageId", err, errlen);
	const char *customer = str_field(ev->data, "customer"), *text = str_field(ev->data, "text");
	if (!id)
		return -1;
	if (!customer || !text) {
		snprintf(err, errlen, "MessageSent without customer or text");
		return -1;
	}
	sqlite3_stmt *st = db_prep(db, "INSERT OR IGNORE INTO view_message(message_id, reservation_id, customer, kind, "
	                               "text, created_at, account_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, id);
	bind_int_field(st, 2, ev->data, "reservationId");
	db_bind_text(st, 3, customer);
	db_bind_text(st, 4, str_field(ev->data, "kind") ? str_field(ev->data, "kind") : "");
	db_bind_text(st, 5, text);
	db_bind_text(st, 6, ev->occurred_at);
	event_bind_id(st, 7, ev, "accountId");
	return run_upsert(db, st, "message view", err, errlen);
}

/* One handler per event type: each passes what the type implies to its projection. */
static int on_room_changed(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_room(db, ev, 0, err, errlen);
}
static int on_room_deleted(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_room(db, ev, 1, err, errlen);
}
static int on_reservation_confirmed(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_reservation(db, ev, "confirmed", err, errlen);
}
static int on_reservation_rejected(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_reservation(db, ev, "rejected", err, errlen);
}
static int on_reservation_cancelled(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_reservation(db, ev, "cancelled", err, errlen);
}
static int on_payment_approved(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_payment(db, ev, "approved", err, errlen);
}
static int on_payment_declined(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_payment(db, ev, "declined", err, errlen);
}
static int on_payment_refunded(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_payment(db, ev, "refunded", err, errlen);
}
static int on_ticket_issued(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_ticket(db, ev, "issued", err, errlen);
}
static int on_ticket_voided(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	return project_ticket(db, ev, "voided", err, errlen);
}

static const struct route routes[] = {
	{"GET", "/mypage", mypage_get, "customer accountId limit cursor", 0},
	{"GET", "/roomviews", roomviews_list, "accountId limit cursor", 0},
};

/* Every type of every source: each updates the field group it owns; the capacity
 * bookkeeping is not shown. */
static const struct subscription subs[] = {
	{"rooms", "RoomRegistered", on_room_changed},
	{"rooms", "RoomModified", on_room_changed},
	{"rooms", "RoomDeleted", on_room_deleted},
	{"rooms", "ReviewCreated", project_review},
	{"rooms", "ReviewDeleted", project_review},
	{"rooms", "CapacityHeld", NULL},
	{"rooms", "CapacityReleased", NULL},
	{"reservations", "ReservationConfirmed", on_reservation_confirmed},
	{"reservations", "ReservationRejected", on_reservation_rejected},
	{"reservations", "ReservationCancelled", on_reservation_cancelled},
	{"payments", "PaymentApproved", on_payment_approved},
	{"payments", "PaymentDeclined", on_payment_declined},
	{"payments", "PaymentRefunded", on_payment_refunded},
	{"tickets", "TicketIssued", on_ticket_issued},
	{"tickets", "TicketVoided", on_ticket_voided},
	{"messages", "MessageSent", project_message},
	{NULL, NULL, NULL},
};

const struct service mypage_service = {
	.name = "mypage",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.subs = subs,
};
