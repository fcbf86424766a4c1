/* messages_mail.c — the messages service's e-mail sender: its background thread hands
 * each queued message to SMTP (libcurl). Linked into the messages program alone: the
 * worker applies messages.c's subscriptions, which only queue e-mails, and so loads
 * neither this nor libcurl's twenty-odd libraries (about 5 MB of RSS in every process
 * that loads them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

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
#include "messages_mail.h"

/* Every message is also e-mailed to its account's address. The event handlers
 * (messages.c) only queue it (a row in `email`, status pending, in the event's
 * transaction); this service's background thread (one per process) sends what is due,
 * one message at a time, and nothing else ever waits for SMTP: not a booking, not an
 * event delivery.
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

static void mailer_setup(struct mailer *m)
{
	memset(m, 0, sizeof *m);
	unsigned nonce = 0;
	if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
		nonce = (unsigned)config_wall_ms();
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
	if (mail_off_reason(m->off_reason, sizeof m->off_reason) == 0) {
		m->url = config_str("SMTP_URL", NULL);
		mail_parse_from(config_str("MAIL_FROM", "Roombook <roombook@localhost>"), m->from_name, sizeof m->from_name,
		                m->from_addr, sizeof m->from_addr);
	}
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
	if (s && ((unsigned char)*s & 0xC0) == 0x80) { /* cut inside a character: not half of it */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
			n--;
		if (n > 0)
			n--; /* its first byte */
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
	utf8_copy(name, name_size, str_or(r.body, "name", ""));
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
	char room[NAME_SIZE], in[32], out[32], nights[32], guests[32], link[600] = "", customer[NAME_SIZE], who[NAME_SIZE];
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
	json_t *amount = json_object_get(stay, "amount");
	if (json_is_integer(amount) && json_integer_value(amount) > 0) {
		char money[64];
		human_money(json_integer_value(amount), str_or(stay, "currency", config_currency()), money, sizeof money);
		json_object_set_new(model, "amountText", json_string(money));
	} else if (json_is_integer(amount)) {
		json_object_set_new(model, "amountText", json_string("Nothing to pay"));
	}
	/* a free stay's e-mails say nothing of payments and refunds */
	json_object_set_new(model, "free", json_boolean(json_is_integer(amount) && json_integer_value(amount) == 0));
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
	char subject[NAME_SIZE + 160], message_id[160], file[64]; /* subject: what, the room's name, a date */
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
	long long now = config_wall_ms(), attempts = 0;
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
		sqlite3_bind_int64(st, 3, config_wall_ms() + delay);
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
	char addr[MAIL_ADDRESS_MAX + 1], name[NAME_SIZE], rid[32];
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
	sqlite3_bind_int64(st, 2, config_wall_ms());
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
	sqlite3_bind_int64(st, 1, config_wall_ms());
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
void messages_background(struct db *db)
{
	struct mailer m;
	mailer_setup(&m);
	long poll = config_long("MAIL_POLL_MS", 250);
	while (!service_sleep_ms(poll >= 10 ? poll : 250))
		email_pass(db, &m);
}
