/* tickets.c — the tickets service: an admission ticket per confirmed reservation, issued
 * and voided only by its policy (from reservation events), read through GET /tickets;
 * each ticket's page is printable and shows its code as a QR code. */
#include <stdio.h>
#include <string.h>

#include "lib/access.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/qr.h"
#include "lib/service.h"
#include "lib/shortcode.h"

#define TICKET_COLUMNS \
	"id, reservation_id AS reservationId, account_id AS accountId, host_id AS hostId, code, status, " \
	"reference, room_id AS roomId, room_name AS roomName, check_in AS checkIn, check_out AS checkOut, " \
	"nights, guests, customer, created_at AS createdAt, updated_at AS updatedAt"

/* Attempts at a fresh code when one collides with an issued one (2^-59 each). */
#define CODE_ATTEMPTS 8

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
	                                  "AND (?4 = 0 OR account_id = ?4 OR (?5 > 0 AND host_id = ?5)) "
	                                  "ORDER BY id DESC LIMIT ?3");
	sqlite3_bind_int64(st, 1, reservation);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit + 1);
	sqlite3_bind_int64(st, 4, account);
	sqlite3_bind_int64(st, 5, access_host_scope(c, reservation));
	json_t *items = db_rows_json(st);
	if (!items)
		return problem_unavailable(c, 1, "the tickets could not be read; try again");
	access_hide_from_host(c, items, "code");
	c->res->page = "tickets";
	snprintf(c->res->title, sizeof c->res->title, "Your tickets");
	rc = page_reply(c, items, limit, "id");
	if (rc == 200 && c->req->wants_html) /* one booking's: "not issued yet" rather than "no tickets" */
		json_object_set_new(c->res->model, "reservationId", reservation ? json_integer(reservation) : json_null());
	return rc;
}

/* The ticket of the request's {id} for the caller: *owner 1 for the guest who booked it
 * (or an admin), 0 for the host of its room (who sees no code). NULL when the caller may
 * not see it (answered as if it did not exist). */
static json_t *ticket_for_caller(struct ctx *c, int *owner)
{
	json_t *t = ticket_load(c->db, c->req->ids[0], 0);
	long long host = json_integer_value(json_object_get(t, "hostId"));
	*owner = t && access_is(c->req, json_integer_value(json_object_get(t, "accountId")));
	if (!*owner && !(t && host > 0 && host == c->req->account_id)) {
		json_decref(t);
		return NULL;
	}
	if (!*owner) /* the host sees that a ticket exists, not its code */
		json_object_del(t, "code");
	return t;
}

static const char *ticket_text(json_t *t, const char *field)
{
	const char *s = json_string_value(json_object_get(t, field));
	return s ? s : "";
}

/* GET /tickets/{id}: the ticket; as a page (printable: static/style.css @media print) it
 * shows the stay, the code and, while the ticket is issued, the code as a QR code. */
static int tickets_get(struct ctx *c)
{
	int owner;
	json_t *t = ticket_for_caller(c, &owner);
	if (!t)
		return problem(c, 404, "ticket %lld does not exist", c->req->ids[0]);
	c->res->model = t;
	c->res->page = "ticket";
	if (!owner && c->req->wants_html)
		json_object_set_new(t, "codeHidden", json_true());
	if (*ticket_text(t, "roomName")) /* not the code: titles end up in histories and tabs */
		snprintf(c->res->title, sizeof c->res->title, "Ticket for %s", ticket_text(t, "roomName"));
	else
		snprintf(c->res->title, sizeof c->res->title, "Ticket %lld", c->req->ids[0]);
	/* The code comes from this database (lib/shortcode.c, or 32 hex digits on tickets
	 * issued before it); qr_svg draws only its modules, so the markup holds no text. */
	if (c->req->wants_html && owner && strcmp(ticket_text(t, "status"), "issued") == 0 &&
	    qr_svg(ticket_text(t, "code"), 0, &c->res->qr_svg) != 0)
		log_warn("ticket %lld: its code could not be drawn as a QR code", c->req->ids[0]);
	return 200;
}

/* GET /tickets/{id}/qr.svg: the code as a QR code (image/svg+xml), for the guest who
 * booked it (or an admin) while the ticket is issued; else 404. */
static int tickets_qr(struct ctx *c)
{
	int owner;
	json_t *t = ticket_for_caller(c, &owner);
	int issued = t && strcmp(ticket_text(t, "status"), "issued") == 0;
	int rc;
	if (!t || !owner)
		rc = problem(c, 404, "ticket %lld does not exist", c->req->ids[0]);
	else if (!issued)
		rc = problem(c, 404, "ticket %lld was voided: it has no QR code any more", c->req->ids[0]);
	else if (qr_svg(ticket_text(t, "code"), 1, &c->res->text) != 0)
		rc = problem(c, 500, "the QR code of ticket %lld could not be drawn", c->req->ids[0]);
	else {
		c->res->text_type = "image/svg+xml";
		rc = 200;
	}
	json_decref(t);
	return rc;
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

/* Binds the event's string field key at i, or NULL when it has none. */
static void bind_event_text(sqlite3_stmt *st, int i, const struct event *ev, const char *key)
{
	db_bind_text(st, i, json_string_value(json_object_get(ev->data, key)));
}

/* ReservationConfirmed: issues the reservation's ticket unless it already has one, with
 * a fresh short code (another one when it collides with an issued code) and the stay. */
static int on_reservation_confirmed(struct db *db, const struct event *ev, char *err, size_t errlen)
{
	char code[TICKET_CODE_SIZE];
	long long reservation = event_data_id(ev, "reservationId", err, errlen);
	if (!reservation)
		return -1;
	int rc = SQLITE_CONSTRAINT;
	for (int attempt = 0; attempt < CODE_ATTEMPTS && rc == SQLITE_CONSTRAINT; attempt++) {
		if (ticket_code_new(code)) {
			snprintf(err, errlen, "no randomness for a ticket code");
			return -1;
		}
		sqlite3_stmt *st = db_prep(db, "INSERT INTO ticket(reservation_id, code, account_id, host_id, status, "
		                               "reference, room_id, room_name, check_in, check_out, nights, guests, "
		                               "customer, created_at, updated_at) VALUES (?, ?, ?, ?, 'issued', "
		                               "?, ?, ?, ?, ?, ?, ?, ?, "
		                               "strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
		                               "strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
		                               "ON CONFLICT(reservation_id) DO NOTHING");
		sqlite3_bind_int64(st, 1, reservation);
		db_bind_text(st, 2, code);
		event_bind_id(st, 3, ev, "accountId");
		event_bind_id(st, 4, ev, "hostId");
		bind_event_text(st, 5, ev, "reference");
		event_bind_id(st, 6, ev, "roomId");
		bind_event_text(st, 7, ev, "roomName");
		bind_event_text(st, 8, ev, "checkIn");
		bind_event_text(st, 9, ev, "checkOut");
		event_bind_id(st, 10, ev, "nights");
		event_bind_id(st, 11, ev, "guests");
		bind_event_text(st, 12, ev, "customer");
		rc = db_run(st);
		/* the other unique column, reservation_id, is absorbed by DO NOTHING: what can
		 * collide is the code */
		if (rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(db->h) != SQLITE_CONSTRAINT_UNIQUE)
			break;
	}
	if (rc != SQLITE_DONE) {
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
	{"GET", "/tickets/{id}/qr.svg", tickets_qr, "", 0},
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
