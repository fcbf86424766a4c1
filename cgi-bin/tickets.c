/* tickets.c — the tickets service: an admission ticket per confirmed reservation, issued
 * and voided only by its policy (from reservation events), read through GET /tickets. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "lib/access.h"
#include "lib/db.h"
#include "lib/service.h"

#define TICKET_COLUMNS \
	"id, reservation_id AS reservationId, account_id AS accountId, host_id AS hostId, code, status, " \
	"created_at AS createdAt, " \
	"updated_at AS updatedAt"

/* The ticket with the given id (by_reservation 0) or of the given reservation
 * (by_reservation 1) as its JSON resource, or NULL when there is none. */
static json_t *ticket_load(struct db *db, long long id, int by_reservation)
{
	return by_reservation ? db_row_by_id(db, "SELECT " TICKET_COLUMNS " FROM ticket WHERE reservation_id = ?", id)
	                      : db_row_by_id(db, "SELECT " TICKET_COLUMNS " FROM ticket WHERE id = ?", id);
}

static int tickets_list(struct ctx *c)
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
	sqlite3_stmt *st = db_prep(c->db, "SELECT " TICKET_COLUMNS " FROM ticket "
	                                  "WHERE (?1 = 0 OR reservation_id = ?1) AND (?2 = 0 OR id < ?2) "
	                                  "AND (?4 = 0 OR account_id = ?4) ORDER BY id DESC LIMIT ?3");
	sqlite3_bind_int64(st, 1, reservation);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit + 1);
	sqlite3_bind_int64(st, 4, account);
	json_t *items = db_rows_json(st);
	if (!items)
		return problem_unavailable(c, 1, "the tickets could not be read; try again");
	c->res->page = "tickets";
	snprintf(c->res->title, sizeof c->res->title, "Tickets");
	return page_reply(c, items, limit, "id");
}

static int tickets_get(struct ctx *c)
{
	json_t *t = ticket_load(c->db, c->req->ids[0], 0);
	long long host = json_integer_value(json_object_get(t, "hostId"));
	int owner = t && access_is(c->req, json_integer_value(json_object_get(t, "accountId")));
	if (!owner && !(t && host > 0 && host == c->req->account_id)) {
		json_decref(t);
		return problem(c, 404, "ticket %lld does not exist", c->req->ids[0]);
	}
	if (!owner) /* the host sees that a ticket exists, not its code */
		json_object_del(t, "code");
	c->res->model = t;
	c->res->page = "ticket";
	snprintf(c->res->title, sizeof c->res->title, "Ticket %lld", c->req->ids[0]);
	return 200;
}

/* Writes 128 random bits as 32 lowercase hex digits. Returns 0, or -1 when the kernel
 * gave no randomness (a ticket code must never be guessable). */
static int ticket_code(char out[33])
{
	unsigned char b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return -1;
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* Records TicketIssued/TicketVoided with the ticket as it now is; a failure is reported
 * in err. */
static int ticket_event(struct db *db, long long reservation, const char *type, char *err, size_t errlen)
{
	json_t *t = ticket_load(db, reservation, 1);
	long long id = json_integer_value(json_object_get(t, "id"));
	if (event_record_state(db, "Ticket", id, type, t, "ticketId") == 0)
		return 0;
	snprintf(err, errlen, "%s for reservation %lld not recorded", type, reservation);
	return -1;
}

/* ReservationConfirmed: issues the reservation's ticket unless it already has one. */
static int on_reservation_confirmed(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	char code[33];
	long long reservation = event_data_id(ev, "reservationId", err, errlen);
	if (!reservation)
		return -1;
	if (ticket_code(code)) {
		snprintf(err, errlen, "no randomness for a ticket code");
		return -1;
	}
	sqlite3_stmt *st = db_prep(db, "INSERT INTO ticket(reservation_id, code, account_id, host_id, status, "
	                               "created_at, updated_at) VALUES (?, ?, ?, ?, 'issued', "
	                               "strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
	                               "strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
	                               "ON CONFLICT(reservation_id) DO NOTHING");
	sqlite3_bind_int64(st, 1, reservation);
	db_bind_text(st, 2, code);
	event_bind_id(st, 3, ev, "accountId");
	event_bind_id(st, 4, ev, "hostId");
	if (db_run(st) != SQLITE_DONE) {
		snprintf(err, errlen, "issue: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	if (sqlite3_changes(db->h) == 0)
		return 0;
	return ticket_event(db, reservation, "TicketIssued", err, errlen);
}

/* ReservationCancelled: voids the reservation's issued ticket; nothing when it has none. */
static int on_reservation_cancelled(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	long long reservation = event_data_id(ev, "reservationId", err, errlen);
	if (!reservation)
		return -1;
	sqlite3_stmt *st = db_prep(db, "UPDATE ticket SET status = 'voided', "
	                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                               "WHERE reservation_id = ? AND status = 'issued'");
	sqlite3_bind_int64(st, 1, reservation);
	if (db_run(st) != SQLITE_DONE) {
		snprintf(err, errlen, "void: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	if (sqlite3_changes(db->h) == 0)
		return 0;
	return ticket_event(db, reservation, "TicketVoided", err, errlen);
}

static const struct route routes[] = {
	{"GET", "/tickets", tickets_list, "reservationId accountId limit cursor", 0},
	{"GET", "/tickets/{id}", tickets_get, "", 0},
};

static const struct subscription subs[] = {
	{"reservations", "ReservationConfirmed", on_reservation_confirmed},
	{"reservations", "ReservationCancelled", on_reservation_cancelled},
	{"reservations", "ReservationRejected", NULL},
	{NULL, NULL, NULL},
};

const struct service tickets_service = {
	.name = "tickets",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.subs = subs,
};
