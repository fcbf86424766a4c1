/* messages.c — the messages service: exactly one notification per confirmation or
 * cancellation event (the event id is unique), read through GET /messages, and each
 * one e-mailed to its account's address by the service's background thread (SMTP with
 * libcurl; see "E-mail" below and docs/operations.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/access.h"
#include "lib/client.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/human.h"
#include "lib/ical.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/service.h"
#include "lib/smtp.h"
#include "lib/view.h"

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

/* ---- E-mail ----
 * Every message is also e-mailed to its account's address. The event handler above only
 * queues it (a row in `email`, status pending, in the event's transaction); this
 * service's background thread (one per process) sends what is due, one message at a
 * time, and nothing else ever waits for SMTP: not a booking, not an event delivery.
 *
 * An attempt: lease the row (BEGIN IMMEDIATE: attempts + 1, lease_until_ms), ask the
 * accounts service for the account's address (GET /internal/accounts/{id}, with the
 * stack's secret: the address is read when sending, so a changed address is used and
 * this database keeps no copy of anyone's e-mail address), render the text and HTML
 * bodies (templates/email_text.tpl, email_html.tpl) and, for a confirmation, the .ics,
 * hand it to SMTP_URL, then record the outcome (sent, or retrying with exponential
 * backoff, or failed after MAIL_MAX_ATTEMPTS or a refusal for good). A message marked
 * sent is never sent again; a crash (or a lost lease) between the server's acceptance
 * and the mark sends it once more, with the same Message-ID. */

struct mailer {
	const char *url;           /* NULL: e-mail is off */
	char off_reason[128];      /* why it is off */
	char from_name[128];
	char from_addr[MAIL_ADDRESS_MAX + 1];
	const char *site_url;      /* SITE_URL: links in e-mails; NULL for none */
	char owner[48];            /* this process's name on the leases it takes */
	long timeout_ms, retry_ms, retry_max_ms, max_attempts, lease_ms;
	int starttls;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mailer_setup(struct mailer *m)
{
	memset(m, 0, sizeof *m);
	unsigned nonce = 0;
	if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
		nonce = (unsigned)now_ms();
	snprintf(m->owner, sizeof m->owner, "%ld-%08x", (long)getpid(), nonce);
	m->timeout_ms = config_long("SMTP_TIMEOUT_MS", 30000);
	if (m->timeout_ms < 100)
		m->timeout_ms = 30000;
	m->retry_ms = config_long("MAIL_RETRY_MS", 30000);
	m->retry_max_ms = config_long("MAIL_RETRY_MAX_MS", 3600000);
	m->max_attempts = config_long("MAIL_MAX_ATTEMPTS", 10);
	if (m->retry_ms < 1)
		m->retry_ms = 30000;
	if (m->retry_max_ms < m->retry_ms)
		m->retry_max_ms = m->retry_ms;
	if (m->max_attempts < 1)
		m->max_attempts = 10;
	/* An attempt holds its lease for at most the address lookup and the SMTP timeout;
	 * the margin keeps another process from taking over a slow but live attempt. */
	m->lease_ms = config_long("CALL_TIMEOUT_MS", 1500) + m->timeout_ms + 30000;
	m->starttls = config_long("SMTP_STARTTLS", 0) == 1;
	const char *site = config_str("SITE_URL", NULL);
	m->site_url = site && (strncmp(site, "https://", 8) == 0 || strncmp(site, "http://", 7) == 0) ? site : NULL;
	const char *url = config_str("SMTP_URL", NULL);
	const char *from = config_str("MAIL_FROM", "Roombook <roombook@localhost>");
	if (!url)
		snprintf(m->off_reason, sizeof m->off_reason, "e-mail is off (SMTP_URL is not set)");
	else if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)
		snprintf(m->off_reason, sizeof m->off_reason, "e-mail is off (SMTP_URL is not smtp:// or smtps://)");
	else if (mail_parse_from(from, m->from_name, sizeof m->from_name, m->from_addr, sizeof m->from_addr))
		snprintf(m->off_reason, sizeof m->off_reason, "e-mail is off (MAIL_FROM is not a usable address)");
	else
		m->url = url;
	if (m->url) /* never the URL itself: it may carry a password */
		log_info("e-mail is on: from %s, up to %ld attempts", m->from_addr, m->max_attempts);
	else
		log_info("%s", m->off_reason);
}

/* s on one line: each run of control characters (CR, LF, TAB...) and spaces one space.
 * Names go into the bodies as lines of their own, and into headers (lib/mail.c makes
 * those safe anyway). */
static void one_line(const char *s, char *out, size_t size)
{
	size_t n = 0;
	int space = 0;
	for (; s && *s && n + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == 0x7f) {
			space = 1;
			continue;
		}
		if (space && n && n + 2 < size)
			out[n++] = ' ';
		space = 0;
		out[n++] = (char)c;
	}
	out[n] = '\0';
}

static const char *str_or(json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && *s ? s : def;
}

/* What went wrong with one attempt. */
struct attempt {
	int permanent;   /* retrying will not help */
	char error[160]; /* shown on the message */
};

static int attempt_fail(struct attempt *a, int permanent, const char *why)
{
	a->permanent = permanent;
	snprintf(a->error, sizeof a->error, "%s", why);
	return -1;
}

/* The address and name of account from the accounts service. Returns 0 or -1 (a). */
static int account_address(long long account, char *addr, size_t addr_size, char *name, size_t name_size,
                           struct attempt *a)
{
	char path[64];
	struct call_result r;
	if (account <= 0)
		return attempt_fail(a, 1, "the message belongs to no account");
	snprintf(path, sizeof path, "/internal/accounts/%lld", account);
	if (client_call("accounts", "GET", path, NULL, &r)) {
		call_result_free(&r);
		return attempt_fail(a, 0, "the account's address could not be looked up");
	}
	int status = r.status;
	snprintf(addr, addr_size, "%s", str_or(r.body, "email", ""));
	snprintf(name, name_size, "%s", str_or(r.body, "name", ""));
	call_result_free(&r);
	if (status == 404)
		return attempt_fail(a, 1, "the account no longer exists");
	if (status != 200)
		return attempt_fail(a, 0, "the account's address could not be looked up");
	if (!mail_address_ok(addr))
		return attempt_fail(a, 1, "the account's address cannot take e-mail");
	return 0;
}

/* The subject and template model of message row msg (its stay parsed into stay). */
static json_t *email_model(const struct mailer *m, json_t *msg, json_t *stay, const char *account_name,
                           char *subject, size_t subject_size)
{
	const char *kind = str_or(msg, "kind", "confirmation");
	long long rid = json_integer_value(json_object_get(msg, "reservationId"));
	char room[256], in[32], out[32], nights[32], guests[32], link[600] = "", customer[256], who[256];
	if (json_string_value(json_object_get(stay, "roomName")) && *json_string_value(json_object_get(stay, "roomName")))
		one_line(json_string_value(json_object_get(stay, "roomName")), room, sizeof room);
	else if (json_integer_value(json_object_get(stay, "roomId")) > 0)
		snprintf(room, sizeof room, "Room %lld", (long long)json_integer_value(json_object_get(stay, "roomId")));
	else
		snprintf(room, sizeof room, "your room");
	human_date(str_or(stay, "checkIn", NULL), in, sizeof in);
	human_date(str_or(stay, "checkOut", NULL), out, sizeof out);
	human_plural(json_integer_value(json_object_get(stay, "nights")), "night", "nights", nights, sizeof nights);
	human_plural(json_integer_value(json_object_get(stay, "guests")), "guest", "guests", guests, sizeof guests);
	const char *what = strcmp(kind, "confirmation") == 0         ? "Booking confirmed"
	                   : strcmp(kind, "cancellation") == 0       ? "Booking cancelled"
	                   : strcmp(kind, "force_cancellation") == 0 ? "Booking cancelled by the host"
	                                                             : "Booking not completed";
	if (in[0])
		snprintf(subject, subject_size, "%s: %s, %s", what, room, in);
	else
		snprintf(subject, subject_size, "%s: %s", what, room);
	if (m->site_url)
		snprintf(link, sizeof link, "%s/reservations/%lld", m->site_url, rid);
	one_line(str_or(msg, "customer", ""), customer, sizeof customer);
	one_line(account_name && *account_name ? account_name : customer, who, sizeof who);
	/* the stay already in words (lib/human.c): an e-mail is not a page, its values are *Text */
	json_t *model = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "subject", subject, "kind", kind,
	                          "reservationId", (json_int_t)rid, "roomName", room, "checkInText", in, "checkOutText",
	                          out, "nightsText", nights, "guestsText", guests, "customer", customer, "name", who);
	json_object_set_new(model, "text", json_string(str_or(msg, "text", "")));
	if (json_is_integer(json_object_get(stay, "amount"))) {
		char money[64];
		human_money(json_integer_value(json_object_get(stay, "amount")), str_or(stay, "currency", config_currency()),
		            money, sizeof money);
		json_object_set_new(model, "amountText", json_string(money));
	}
	if (json_string_value(json_object_get(stay, "reference")))
		json_object_set(model, "reference", json_object_get(stay, "reference"));
	if (link[0])
		json_object_set_new(model, "link", json_string(link));
	return model;
}

/* The confirmation's calendar file: the stay as an all-day event. */
static int email_calendar(const struct mailer *m, json_t *model, json_t *stay, struct buf *out)
{
	struct buf summary = {0}, desc = {0}, uid = {0};
	long long rid = json_integer_value(json_object_get(model, "reservationId"));
	/* with the booking's reference: ids start again after a restore from a backup, and
	 * a calendar would take a new booking with an old id for an update of the old one */
	const char *ref = json_string_value(json_object_get(model, "reference"));
	buf_printf(&uid, "reservation-%lld%s%s@%s", rid, ref ? "-" : "", ref ? ref : "", mail_domain(m->from_addr));
	buf_printf(&summary, "Stay at %s", str_or(model, "roomName", "your room"));
	if (json_string_value(json_object_get(model, "reference")))
		buf_printf(&desc, "Booking %s. ", json_string_value(json_object_get(model, "reference")));
	buf_printf(&desc, "%s, %s. Check-in %s, check-out %s.", str_or(model, "guestsText", ""),
	           str_or(model, "nightsText", ""), str_or(model, "checkInText", ""), str_or(model, "checkOutText", ""));
	if (json_string_value(json_object_get(model, "amountText")))
		buf_printf(&desc, "\nTotal %s.", str_or(model, "amountText", ""));
	struct ical_stay s = {buf_str(&uid), str_or(stay, "checkIn", NULL), str_or(stay, "checkOut", NULL),
	                      buf_str(&summary), buf_str(&desc), str_or(model, "link", NULL), time(NULL)};
	int rc = ical_stay(out, &s);
	buf_free(&summary);
	buf_free(&desc);
	buf_free(&uid);
	return rc;
}

/* Builds message row msg's e-mail to addr and hands it to the SMTP server. */
static int email_send(const struct mailer *m, json_t *msg, const char *addr, const char *name, struct attempt *a)
{
	char subject[512], message_id[160], file[64];
	struct buf text = {0}, html = {0}, ics = {0}, out = {0};
	json_t *stay = json_loads(str_or(msg, "stay", "{}"), 0, NULL);
	json_t *model = email_model(m, msg, stay, name, subject, sizeof subject);
	int confirmation = strcmp(str_or(msg, "kind", ""), "confirmation") == 0;
	int rc = -1;
	snprintf(message_id, sizeof message_id, "<%s@%s>", str_or(msg, "eventId", "message"), mail_domain(m->from_addr));
	snprintf(file, sizeof file, "booking-%lld.ics", (long long)json_integer_value(json_object_get(msg, "reservationId")));
	if (view_render_model("email_text", model, &text) || view_render_model("email_html", model, &html))
		attempt_fail(a, 0, "the e-mail could not be written (templates)");
	else if (confirmation && email_calendar(m, model, stay, &ics))
		attempt_fail(a, 1, "the stay's dates are not dates");
	else {
		struct mail mail = {m->from_name, m->from_addr, name, addr, subject, message_id, time(NULL),
		                    buf_str(&text), buf_str(&html), confirmation ? buf_str(&ics) : NULL, ics.len,
		                    "text/calendar; charset=UTF-8; method=PUBLISH", file, NULL};
		struct smtp_result r;
		if (mail_compose(&mail, &out))
			attempt_fail(a, 1, "the e-mail could not be addressed");
		else if (smtp_send(m->url, m->from_addr, addr, buf_str(&out), out.len, m->timeout_ms, m->starttls,
		                   service_stopping, &r)) {
			attempt_fail(a, r.permanent, r.error);
			log_warn("e-mail message=%lld: %s", (long long)json_integer_value(json_object_get(msg, "id")), r.detail);
		} else
			rc = 0;
	}
	json_decref(model);
	json_decref(stay);
	buf_free(&text);
	buf_free(&html);
	buf_free(&ics);
	buf_free(&out);
	return rc;
}

/* Leases message id's e-mail for one attempt (counted now: an attempt that dies with
 * its process counts too). Returns the attempt's number, or 0 when it is not due, is
 * leased by another process, or the database is busy. */
static long long email_claim(struct db *db, const struct mailer *m, long long id)
{
	long long now = now_ms(), attempts = 0;
	if (db_begin(db))
		return 0;
	sqlite3_stmt *st = db_prep(db, "UPDATE email SET attempts = attempts + 1, lease_until_ms = ?1, lease_owner = ?2, "
	                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                               "WHERE message_id = ?3 AND status IN ('pending', 'retrying') "
	                               "AND next_attempt_ms <= ?4 AND lease_until_ms <= ?4");
	sqlite3_bind_int64(st, 1, now + m->lease_ms);
	db_bind_text(st, 2, m->owner);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_int64(st, 4, now);
	if (db_run(st) != SQLITE_DONE || sqlite3_changes(db->h) != 1) {
		db_rollback(db);
		return 0;
	}
	st = db_prep(db, "SELECT attempts FROM email WHERE message_id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (db_scalar_int(st, &attempts) != 1 || db_commit(db)) {
		db_rollback(db);
		return 0;
	}
	return attempts;
}

/* Records the outcome of attempt number attempts of message id's e-mail, if this
 * process still holds its lease. Tries a few times when the database is busy: a send
 * the server accepted but that is never marked would be sent again. Returns 0 or -1. */
static int email_finish(struct db *db, const struct mailer *m, long long id, long long attempts,
                        const struct attempt *a, int sent)
{
	long long delay = m->retry_ms;
	for (long long i = 1; i < attempts && delay < m->retry_max_ms; i++)
		delay *= 2;
	if (delay > m->retry_max_ms)
		delay = m->retry_max_ms;
	const char *status = sent ? "sent" : a->permanent || attempts >= m->max_attempts ? "failed" : "retrying";
	for (int tries = 0; tries < 5; tries++) {
		if (tries && service_sleep_ms(200 * tries) && !sent)
			break; /* stopping: an unmarked failure is simply tried again later */
		if (db_begin(db))
			continue;
		sqlite3_stmt *st = db_prep(db, "UPDATE email SET status = ?1, last_error = ?2, "
		                               "sent_at = CASE WHEN ?1 = 'sent' THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') END, "
		                               "next_attempt_ms = CASE WHEN ?1 = 'retrying' THEN ?3 ELSE 0 END, "
		                               "lease_until_ms = 0, lease_owner = NULL, "
		                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
		                               "WHERE message_id = ?4 AND lease_owner = ?5");
		db_bind_text(st, 1, status);
		db_bind_text(st, 2, sent ? NULL : a->error);
		sqlite3_bind_int64(st, 3, now_ms() + delay);
		sqlite3_bind_int64(st, 4, id);
		db_bind_text(st, 5, m->owner);
		if (db_run(st) != SQLITE_DONE) {
			db_rollback(db);
			continue;
		}
		int mine = sqlite3_changes(db->h) == 1;
		if (db_commit(db)) {
			db_rollback(db);
			continue;
		}
		if (!mine)
			log_warn("e-mail message=%lld: the lease was lost before the outcome (%s) was recorded", id, status);
		else if (sent)
			log_info("e-mail message=%lld attempt=%lld outcome=sent", id, attempts);
		else
			log_warn("e-mail message=%lld attempt=%lld outcome=%s: %s%s", id, attempts, status, a->error,
			         strcmp(status, "retrying") == 0 ? "; will retry" : "");
		return 0;
	}
	log_error("e-mail message=%lld: outcome %s could not be recorded; the attempt will be repeated", id, status);
	return -1;
}

/* One attempt at message id's e-mail. */
static void email_attempt(struct db *db, const struct mailer *m, long long id)
{
	long long attempts = email_claim(db, m, id);
	if (!attempts)
		return;
	char addr[MAIL_ADDRESS_MAX + 1], name[256], rid[32];
	struct attempt a = {0, ""};
	snprintf(rid, sizeof rid, "email-%lld", id); /* the request id of the lookup, in every log line */
	log_set_request_id(rid);
	json_t *msg = db_row_by_id(db, "SELECT m.id, m.reservation_id AS reservationId, m.account_id AS accountId, "
	                               "m.customer, m.kind, m.text, m.event_id AS eventId, e.stay "
	                               "FROM message m JOIN email e ON e.message_id = m.id WHERE m.id = ?",
	                           id);
	int rc = !msg ? attempt_fail(&a, 0, "the message could not be read")
	         : account_address(json_integer_value(json_object_get(msg, "accountId")), addr, sizeof addr, name,
	                           sizeof name, &a)
	             ? -1
	             : email_send(m, msg, addr, name, &a);
	email_finish(db, m, id, attempts, &a, rc == 0);
	json_decref(msg);
	log_set_request_id(NULL);
}

/* E-mail off: what is waiting is marked off (not sent), once; it is not sent later. */
static void email_mark_off(struct db *db, const struct mailer *m)
{
	if (db_begin(db))
		return;
	sqlite3_stmt *st = db_prep(db, "UPDATE email SET status = 'off', last_error = ?1, next_attempt_ms = 0, "
	                               "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                               "WHERE status IN ('pending', 'retrying') AND lease_until_ms <= ?2");
	db_bind_text(st, 1, m->off_reason);
	sqlite3_bind_int64(st, 2, now_ms());
	if (db_run(st) != SQLITE_DONE || db_commit(db))
		db_rollback(db);
}

#define EMAIL_BATCH 20

/* One pass: every e-mail due now, oldest first. */
static void email_pass(struct db *db, const struct mailer *m)
{
	sqlite3_stmt *st = db_prep(db, "SELECT message_id AS id FROM email WHERE status IN ('pending', 'retrying') "
	                               "AND next_attempt_ms <= ?1 AND lease_until_ms <= ?1 "
	                               "ORDER BY next_attempt_ms, message_id LIMIT ?2");
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_int64(st, 2, EMAIL_BATCH);
	json_t *due = db_rows_json(st);
	if (json_array_size(due) && !m->url)
		email_mark_off(db, m);
	size_t i;
	json_t *row;
	json_array_foreach(due, i, row) {
		if (!m->url || service_stopping())
			break;
		email_attempt(db, m, json_integer_value(json_object_get(row, "id")));
	}
	json_decref(due);
}

/* The background thread: a pass every MAIL_POLL_MS (a cheap indexed read when nothing
 * is due) until shutdown. */
static void messages_background(struct db *db)
{
	struct mailer m;
	mailer_setup(&m);
	long poll = config_long("MAIL_POLL_MS", 250);
	while (!service_sleep_ms(poll >= 10 ? poll : 250))
		email_pass(db, &m);
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
