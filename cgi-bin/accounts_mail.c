/* accounts_mail.c — the e-mails the accounts service sends itself: the link of a
 * forgotten password (POST /password-reset queues it in account_email, in the
 * transaction that made the link), the notice that an account's password was changed
 * (queued by the change), the link that confirms a new address (sent to that address)
 * and the notice that the address changed (sent to the one the account had). Linked into the accounts program alone, like
 * messages_mail.c: the worker, which links accounts.c, loads no libcurl.
 *
 * An attempt: lease the row (attempts + 1, lease_until_ms), read what it needs (a
 * link's secret, the account's address and name, as they are now), hand a plain-text
 * e-mail to SMTP_URL, then delete the row (a link's secret is gone from the database
 * once the server has the e-mail), or set the next attempt with exponential backoff
 * (MAIL_RETRY_MS .. MAIL_RETRY_MAX_MS). A link that expired, was used or was made void,
 * a refusal for good, or MAIL_MAX_ATTEMPTS attempts delete the row unsent. A crash
 * between the server's acceptance and the delete sends the e-mail once more, with the
 * same Message-ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts_mail.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/service.h"
#include "lib/smtp.h"

struct sender {
	const char *url, *site;
	char from_name[128], from_addr[MAIL_ADDRESS_MAX + 1];
	long timeout_ms, retry_ms, retry_max_ms, max_attempts, lease_ms;
	int starttls;
};

/* Reads the settings; 0, or -1 when e-mail or SITE_URL is off (nothing is sent). */
static int sender_setup(struct sender *s)
{
	char why[160];
	memset(s, 0, sizeof *s);
	s->timeout_ms = config_long("SMTP_TIMEOUT_MS", 30000) >= 100 ? config_long("SMTP_TIMEOUT_MS", 30000) : 30000;
	s->retry_ms = config_long("MAIL_RETRY_MS", 30000) >= 1 ? config_long("MAIL_RETRY_MS", 30000) : 30000;
	s->retry_max_ms = config_long("MAIL_RETRY_MAX_MS", 3600000);
	if (s->retry_max_ms < s->retry_ms)
		s->retry_max_ms = s->retry_ms;
	s->max_attempts = config_long("MAIL_MAX_ATTEMPTS", 10) >= 1 ? config_long("MAIL_MAX_ATTEMPTS", 10) : 10;
	s->lease_ms = s->timeout_ms + 30000;
	s->starttls = config_long("SMTP_STARTTLS", 0) == 1;
	s->site = config_str("SITE_URL", NULL);
	if (mail_off_reason(why, sizeof why) == 0 && s->site &&
	    (strncmp(s->site, "https://", 8) == 0 || strncmp(s->site, "http://", 7) == 0) &&
	    mail_parse_from(config_str("MAIL_FROM", "Roombook <roombook@localhost>"), s->from_name,
	                    sizeof s->from_name, s->from_addr, sizeof s->from_addr) == 0) {
		s->url = config_str("SMTP_URL", NULL);
		return 0;
	}
	return -1;
}

/* One e-mail as its attempt reads it. */
struct outgoing {
	long long id, attempts, when_s;
	char kind[24], secret[128], addr[MAIL_ADDRESS_MAX + 1], name[NAME_SIZE];
	char account_addr[MAIL_ADDRESS_MAX + 1]; /* the account's address now (addr may be another) */
};

/* Leases row id for one attempt and reads it into o. Returns 1, 0 when it is not due
 * (or leased elsewhere, or busy), -1 when it must not be sent (a link that expired, was
 * used or made void): the row is then deleted. */
static int email_claim(struct db *db, const struct sender *s, long long id, struct outgoing *o)
{
	long long now = config_wall_ms();
	if (db_begin(db))
		return 0;
	sqlite3_stmt *st = db_prep(db, "UPDATE account_email SET attempts = attempts + 1, lease_until_ms = ?1 "
	                               "WHERE id = ?2 AND next_attempt_ms <= ?3 AND lease_until_ms <= ?3");
	sqlite3_bind_int64(st, 1, now + s->lease_ms);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, now);
	if (db_run(st) != SQLITE_DONE || sqlite3_changes(db->h) != 1) {
		db_rollback(db);
		return 0;
	}
	st = db_prep(db, "SELECT e.attempts, e.kind, e.secret, coalesce(e.to_addr, a.email), a.name, e.created_s, "
	                 "CASE e.kind WHEN 'reset' THEN p.used_s IS NULL AND p.expires_s > ?2 "
	                 "WHEN 'email_confirm' THEN c.used_s IS NULL AND c.expires_s > ?2 ELSE 1 END, a.email "
	                 "FROM account_email e JOIN account a ON a.id = e.account_id "
	                 "LEFT JOIN password_reset p ON p.id = e.reset_id "
	                 "LEFT JOIN email_change c ON c.id = e.change_id WHERE e.id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now / 1000);
	int live = 0, rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->id = id;
		o->attempts = sqlite3_column_int64(st, 0);
		snprintf(o->kind, sizeof o->kind, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(o->secret, sizeof o->secret, "%s",
		         sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
		snprintf(o->addr, sizeof o->addr, "%s", (const char *)sqlite3_column_text(st, 3));
		utf8_copy(o->name, sizeof o->name, (const char *)sqlite3_column_text(st, 4));
		o->when_s = sqlite3_column_int64(st, 5);
		live = sqlite3_column_int(st, 6);
		snprintf(o->account_addr, sizeof o->account_addr, "%s", (const char *)sqlite3_column_text(st, 7));
	}
	db_done(st);
	if (rc == SQLITE_ROW && !live) {
		st = db_prep(db, "DELETE FROM account_email WHERE id = ?");
		sqlite3_bind_int64(st, 1, id);
		if (db_run(st) != SQLITE_DONE || db_commit(db)) {
			db_rollback(db);
			return 0;
		}
		return -1;
	}
	if (rc != SQLITE_ROW || db_commit(db)) {
		db_rollback(db);
		return 0;
	}
	return 1;
}

/* The subject and the text of e-mail o (the site's address without a final '/'). */
static const char *email_text(const struct sender *s, const struct outgoing *o, const char *name, struct buf *text)
{
	size_t site_len = strlen(s->site);
	while (site_len && s->site[site_len - 1] == '/')
		site_len--;
	if (strcmp(o->kind, "reset") == 0) {
		buf_printf(text,
		           "Hello %s,\n\n"
		           "Someone, we hope you, asked to choose a new password for your Roombook account (%s).\n"
		           "Open this link within %ld minutes to choose one. It works once:\n\n"
		           "%.*s/password-reset/new?token=%s\n\n"
		           "If it was not you, you need not do anything: your password stays as it is, and\n"
		           "nobody can use this link without this e-mail.\n\n"
		           "Roombook\n",
		           name[0] ? name : "there", o->addr, reset_ttl_minutes(), (int)site_len, s->site, o->secret);
		return "Choose a new password for Roombook";
	}
	if (strcmp(o->kind, "email_confirm") == 0) {
		/* to an address nobody has shown to be the account owner's yet (a typo reaches a
		 * stranger): neither the account's name nor its address */
		buf_printf(text,
		           "Hello,\n\n"
		           "Someone, we hope you, asked to make this address (%s) the email of\n"
		           "their Roombook account.\n"
		           "Open this link within %ld minutes to confirm it. It works once:\n\n"
		           "%.*s/account/email/confirm?token=%s\n\n"
		           "If it was not you, you need not do anything: no account gets this address.\n\n"
		           "Roombook\n",
		           o->addr, reset_ttl_minutes(), (int)site_len, s->site, o->secret);
		return "Confirm your new email for Roombook";
	}
	char when[64];
	time_t t = (time_t)o->when_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %-d %b %Y at %H:%M UTC", &tm);
	if (strcmp(o->kind, "email_changed") == 0) {
		buf_printf(text,
		           "Hello %s,\n\n"
		           "The email of your Roombook account was changed on %s\n"
		           "from this address (%s) to %s.\n"
		           "E-mails about your bookings, and links to choose a new password, now go there.\n\n"
		           "If this was you, you need not do anything.\n\n"
		           "If it was not you, someone who knows your password has your account: reply to\n"
		           "this e-mail at once, or write to the site's operator, to have it back.\n\n"
		           "Roombook\n",
		           name[0] ? name : "there", when, o->addr, o->account_addr);
		return "The email of your Roombook account was changed";
	}
	buf_printf(text,
	           "Hello %s,\n\n"
	           "The password of your Roombook account (%s) was changed on %s.\n"
	           "Every browser that was signed in to your account has been signed out.\n\n"
	           "If this was you, you need not do anything.\n\n"
	           "If it was not you, choose a new password at once here:\n\n"
	           "%.*s/password-reset\n\n"
	           "then revoke any API token you do not recognise on your account page.\n\n"
	           "Roombook\n",
	           name[0] ? name : "there", o->addr, when, (int)site_len, s->site);
	return "Your Roombook password was changed";
}

/* Hands e-mail o to the SMTP server; 0, or -1 with r filled. */
static int email_send(const struct sender *s, const struct outgoing *o, struct smtp_result *r)
{
	char line[NAME_SIZE], message_id[160];
	size_t n = 0;
	for (const char *p = o->name; *p && n + 1 < sizeof line; p++) /* one line */
		line[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
	line[n] = '\0';
	struct buf text = {0}, out = {0};
	const char *subject = email_text(s, o, line, &text);
	snprintf(message_id, sizeof message_id, "<account-%s-%lld@%s>", o->kind, o->id, mail_domain(s->from_addr));
	int unproven = strcmp(o->kind, "email_confirm") == 0; /* not the owner's address yet: not their name */
	struct mail mail = {s->from_name, s->from_addr, line[0] && !unproven ? line : NULL, o->addr, subject, message_id,
	                    time(NULL),
	                    buf_str(&text), NULL, NULL, 0, NULL, NULL, NULL};
	int rc = -1;
	if (mail_compose(&mail, &out)) {
		memset(r, 0, sizeof *r);
		r->permanent = 1;
		snprintf(r->error, sizeof r->error, "the address cannot be written in an e-mail");
		snprintf(r->detail, sizeof r->detail, "%s", r->error);
	} else
		rc = smtp_send(s->url, s->from_addr, o->addr, buf_str(&out), out.len, s->timeout_ms, s->starttls,
		               service_stopping, r);
	if (text.data)
		explicit_bzero(text.data, text.cap);
	if (out.data)
		explicit_bzero(out.data, out.cap);
	buf_free(&text);
	buf_free(&out);
	return rc;
}

/* Records an attempt's outcome: the row deleted (sent, or given up on) or due again
 * later. A few tries when the database is busy: a sent e-mail never marked would be
 * sent again. */
static void email_finish(struct db *db, const struct sender *s, long long id, long long attempts, int done)
{
	long long delay = s->retry_ms;
	for (long long i = 1; i < attempts && delay < s->retry_max_ms; i++)
		delay *= 2;
	if (delay > s->retry_max_ms)
		delay = s->retry_max_ms;
	for (int tries = 0; tries < 5; tries++) {
		if (tries)
			service_sleep_ms(200 * tries);
		if (db_begin(db))
			continue;
		sqlite3_stmt *st = done ? db_prep(db, "DELETE FROM account_email WHERE id = ?1")
		                        : db_prep(db, "UPDATE account_email SET next_attempt_ms = ?2, lease_until_ms = 0 "
		                                      "WHERE id = ?1");
		sqlite3_bind_int64(st, 1, id);
		if (!done)
			sqlite3_bind_int64(st, 2, config_wall_ms() + delay);
		if (db_run(st) == SQLITE_DONE && db_commit(db) == 0)
			return;
		db_rollback(db);
	}
	log_error("account e-mail=%lld: its outcome could not be recorded", id);
}

static void email_attempt(struct db *db, const struct sender *s, long long id)
{
	struct outgoing o = {0};
	int claimed = email_claim(db, s, id, &o);
	if (claimed < 0)
		log_info("account e-mail=%lld: the link expired or was made void before it went out; not sent", id);
	if (claimed <= 0)
		return;
	struct smtp_result r;
	int sent = email_send(s, &o, &r) == 0;
	explicit_bzero(o.secret, sizeof o.secret);
	int give_up = !sent && (r.permanent || o.attempts >= s->max_attempts);
	email_finish(db, s, id, o.attempts, sent || give_up);
	if (sent)
		log_info("account e-mail=%lld kind=%s attempt=%lld outcome=sent", id, o.kind, o.attempts);
	else
		log_warn("account e-mail=%lld kind=%s attempt=%lld outcome=%s: %s", id, o.kind, o.attempts,
		         give_up ? "failed" : "retrying", r.detail);
}

/* One pass: every e-mail due now, oldest first. With e-mail off, what is queued is
 * dropped: a link is only worth its hour, a notice only worth its moment. */
static void email_pass(struct db *db, const struct sender *s)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM account_email WHERE next_attempt_ms <= ?1 "
	                               "AND lease_until_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT 20");
	sqlite3_bind_int64(st, 1, config_wall_ms());
	json_t *due = db_rows_json(st);
	size_t i;
	json_t *row;
	json_array_foreach(due, i, row) {
		long long id = json_integer_value(json_object_get(row, "id"));
		if (service_stopping())
			break;
		if (s->url)
			email_attempt(db, s, id);
		else
			email_finish(db, s, id, 1, 1);
	}
	json_decref(due);
}

void accounts_background(struct db *db)
{
	struct sender s;
	if (sender_setup(&s))
		log_info("the accounts service's e-mails are off (SMTP_URL, MAIL_FROM and SITE_URL are all needed)");
	long poll = config_long("MAIL_POLL_MS", 250);
	while (!service_sleep_ms(poll >= 10 ? poll : 250))
		email_pass(db, &s);
}
