/* accounts.c — the accounts service: accounts, password hashes (yescrypt), sessions and
 * API tokens, and the gateway's identity check (GET /_auth, nginx auth_request) that ties
 * each request with a credential to its account. Only SHA-256 hashes of session and
 * token secrets are stored; a failed sign-in slows the next ones per email and per
 * client address, the same whether the email exists or not. */
#include <crypt.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "accounts_mail.h"
#include "lib/access.h"
#include "lib/browser.h"
#include "lib/config.h"
#include "lib/credential.h"
#include "lib/db.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/service.h"

#define MIN_PASSWORD 10
#define MAX_PASSWORD 200
#define TOKEN_BYTES 32
#define TOKEN_CHARS (4 + 2 * TOKEN_BYTES) /* "rbs_" or "rbt_" and hex */
#define USED_GRANULARITY_S 60             /* how stale a credential's last use may get */

#define ACCOUNT_COLUMNS "id, email, name, role, created_at AS createdAt"

/* Passwords of 10 or more characters that lists of leaked passwords rank highest;
 * shorter ones are refused by length already. Compared case-insensitively. */
static const char *const common_passwords[] = {
	"1234567890", "12345678910", "123456789a", "1234567890a", "0123456789", "0987654321",
	"1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx3edc", "qwertyuiop", "qwerty1234", "qwerty12345",
	"qwerty123456", "asdfghjkl1", "asdfghjkl;", "zxcvbnm123", "password12", "password123",
	"password1234", "password!1", "passw0rd123", "p@ssw0rd123", "iloveyou12", "iloveyou123",
	"1111111111", "0000000000", "2222222222", "5555555555", "9999999999", "1212121212",
	"abcdefghij", "abcdefg123", "abc1234567", "abcd123456", "a123456789", "aa12345678",
	"football12", "baseball12", "basketball", "superman12", "princess12", "sunshine12",
	"welcome123", "welcome1234", "letmein123", "changeme123", "administrator", "admin12345",
	"admin123456", "trustno1234", "starwars12", "pokemon123", "monkey1234", "dragon1234",
	"michael123", "jordan2323", "liverpool1", "chelsea123", "computer12", "internet12",
	"qazwsxedc1", "qazwsxedcrfv", "1qazxsw23edc", "zaq12wsxcde", "q1w2e3r4t5", "q1w2e3r4t5y6",
	"roombook123", "roombook2026", "booking123", "hotel12345",
};

/* The words that the most common leaked passwords are made of, once the digits and
 * symbols around them are taken off and look-alike characters read as letters
 * (password_core): "Password123!", "p@ssw0rd!!" and "Welcome2026" are all one of these. */
static const char *const common_words[] = {
	"password", "passwort", "passwd", "pass", "qwerty", "qwertz", "azerty", "qwertyuiop", "asdf",
	"asdfgh", "asdfghjkl", "zxcvbnm", "qazwsx", "qazwsxedc", "letmein", "welcome", "iloveyou", "love",
	"admin", "administrator", "root", "login", "user", "guest", "test", "changeme", "secret", "trustno",
	"monkey", "dragon", "master", "shadow", "superman", "batman", "starwars", "pokemon", "football",
	"baseball", "basketball", "soccer", "hockey", "sunshine", "princess", "summer", "winter", "spring",
	"autumn", "flower", "cookie", "hello", "freedom", "whatever", "computer", "internet", "liverpool",
	"chelsea", "arsenal", "michael", "jordan", "charlie", "mustang", "access", "ninja", "abcd",
	"abcdef", "abcdefg", "abcdefgh", "abcdefghij", "roombook", "booking", "hotel", "house", "home", "room",
};

/* ---- secrets and hashes ---- */

/* out = prefix + 64 random hex digits (a session or token secret). */
static int new_secret(const char *prefix, char out[TOKEN_CHARS + 1])
{
	unsigned char b[TOKEN_BYTES];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return -1;
	int n = snprintf(out, TOKEN_CHARS + 1, "%s", prefix);
	for (size_t i = 0; i < sizeof b; i++)
		n += snprintf(out + n, 3, "%02x", b[i]);
	return 0;
}

/* out = SHA-256(s) as 64 hex digits. */
static void secret_hash(const char *s, char out[SHA256_HEX])
{
	if (sha256_hex(s, strlen(s), out))
		abort(); /* no SHA-256: nothing could be checked */
}

/* Hashes password with yescrypt (PASSWORD_COST, default 5) into out. Returns 0 or -1. */
static int password_hash(const char *password, char *out, size_t size)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data = calloc(1, sizeof *data);
	int rc = -1;
	if (data && crypt_gensalt_rn("$y$", (unsigned long)config_long("PASSWORD_COST", 5), NULL, 0, setting,
	                             sizeof setting)) {
		const char *h = crypt_rn(password, setting, data, sizeof *data);
		if (h && h[0] == '$' && strlen(h) < size) {
			snprintf(out, size, "%s", h);
			rc = 0;
		}
	}
	free(data);
	return rc;
}

/* True when password matches hash (a stored yescrypt string), in constant time. */
static int password_matches(const char *password, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	if (!data)
		return 0;
	const char *h = crypt_rn(password, hash, data, sizeof *data);
	int ok = 0;
	if (h && h[0] == '$' && strlen(h) == strlen(hash)) {
		unsigned diff = 0;
		for (size_t i = 0; hash[i]; i++)
			diff |= (unsigned)(h[i] ^ hash[i]);
		ok = diff == 0;
	}
	free(data);
	return ok;
}

/* A hash to check against when the email has no account, so that answer takes as long
 * as a wrong password does. Made once per thread. */
static const char *decoy_hash(void)
{
	static _Thread_local char decoy[CRYPT_OUTPUT_SIZE];
	if (!decoy[0] && password_hash("decoy password that never matches", decoy, sizeof decoy))
		snprintf(decoy, sizeof decoy, "*");
	return decoy;
}

/* ---- input ---- */

/* The email lower-cased into key; -1 when it does not look like an email. */
static int email_key(const char *email, char *key, size_t size)
{
	const char *at = strchr(email, '@');
	size_t n = strlen(email);
	if (!at || at == email || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.') || n >= size || n > 254)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)email[i];
		if (ch && (ch <= ' ' || ch == 0x7f))
			return -1;
		key[i] = (char)tolower(ch);
	}
	return 0;
}

static int has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static int ascii_casecmp_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* The letters a password is made of (into core, lower-cased): the digits and symbols
 * at either end taken off, and the look-alikes people put in for letters (0 for o, @ and
 * 4 for a, 3 for e, $ and 5 for s, 7 for t; 1, ! and l all as i) read as those letters. */
static void password_core(const char *password, char *core, size_t size)
{
	const char *start = password, *end = password + strlen(password);
	while (start < end && !isalpha((unsigned char)*start) && (unsigned char)*start < 0x80)
		start++;
	while (end > start && !isalpha((unsigned char)end[-1]) && (unsigned char)end[-1] < 0x80)
		end--;
	static const char from[] = "0@43$571!l", to[] = "oaaessiiii";
	size_t n = 0;
	for (; start < end && n + 1 < size; start++) {
		char ch = (char)tolower((unsigned char)*start);
		const char *look = ch ? strchr(from, ch) : NULL;
		core[n++] = look ? to[look - from] : ch;
	}
	core[n] = '\0';
}

/* True when password is a shorter block typed again and again ("qwertyqwerty",
 * "123123123123", "trustno1trustno1"), case aside. */
static int repeated_block(const char *password)
{
	size_t n = strlen(password);
	for (size_t period = 1; period <= n / 2; period++) {
		size_t i = period;
		while (i < n && tolower((unsigned char)password[i]) == tolower((unsigned char)password[i - period]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* Why password is not acceptable, or NULL when it is. */
static const char *password_problem(const char *password, const char *email, const char *name)
{
	size_t chars = 0;
	for (const char *p = password; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80; /* count characters, not bytes */
	if (chars < MIN_PASSWORD)
		return "must be at least 10 characters";
	if (strlen(password) > MAX_PASSWORD)
		return "must be at most 200 bytes";
	for (size_t i = 0; i < sizeof common_passwords / sizeof *common_passwords; i++)
		if (ascii_casecmp_equal(password, common_passwords[i]))
			return "is one of the most commonly used passwords; choose another";
	if (ascii_casecmp_equal(password, email) || (name && ascii_casecmp_equal(password, name)))
		return "must not be your email or name";
	if (repeated_block(password))
		return "must not be a few characters repeated";
	char core[MAX_PASSWORD + 1], theirs[MAX_PASSWORD + 1];
	password_core(password, core, sizeof core);
	if (strlen(core) < 4)
		return "is mostly digits and symbols, which are quickly guessed; add some words";
	for (size_t i = 0; i < sizeof common_words / sizeof *common_words; i++) {
		password_core(common_words[i], theirs, sizeof theirs); /* "hello" reads "heiio" too */
		if (strcmp(core, theirs) == 0)
			return "is a common word with digits or symbols around it; choose another";
	}
	const char *at = strchr(email, '@');
	char local[MAX_PASSWORD + 1];
	snprintf(local, sizeof local, "%.*s", at ? (int)(at - email) : (int)strlen(email), email);
	for (const char *who = local; who; who = who == local ? name : NULL) {
		password_core(who, theirs, sizeof theirs);
		if (theirs[0] && strcmp(core, theirs) == 0)
			return "must not be your email or name";
	}
	return NULL;
}

/* A password field: a string, kept exactly as typed (never trimmed, never echoed). 1 with
 * *out set; 0 when missing or empty (told as required); -1 when not a string. */
static int body_password(struct ctx *c, json_t *errors, const char *field, const char **out)
{
	json_t *v = json_object_get(c->req->json, field);
	if (!v || (json_is_string(v) && !*json_string_value(v))) {
		field_error(errors, field, "is required");
		return 0;
	}
	if (!json_is_string(v)) {
		field_error(errors, field, "must be a string");
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* Removes what a page must never show again from the posted form: the passwords. */
static void forget_password(struct ctx *c)
{
	static const char *const fields[] = {"password", "currentPassword", "newPassword"};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		json_object_del(c->req->json, fields[i]);
}

/* ---- accounts ---- */

static json_t *account_load(struct db *db, long long id)
{
	return db_row_by_id(db, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE id = ?", id);
}

/* The page of a form that came back with errors: template and where it posts. The
 * form's `next` (where a browser goes once signed in) survives the round trip. */
/* The sign-in and sign-up pages say why the guest is there when a booking sent them
 * (next is a stay's "check your answers", /rooms/{id}/book?...). */
static void says_why(json_t *model, const char *next)
{
	int booking = strncmp(next, "/rooms/", 7) == 0 && strstr(next, "/book") != NULL;
	json_object_set_new(model, "toBook", json_boolean(booking));
}

static int form_again(struct ctx *c, int status, const char *page, const char *title)
{
	forget_password(c);
	const char *next = json_string_value(json_object_get(c->req->json, "_next"));
	if (c->req->wants_html && json_is_object(c->res->model)) {
		json_object_set_new(c->res->model, "form", json_pack("{s:s}", "next", access_local_path(next) ? next : "/"));
		says_why(c->res->model, access_local_path(next) ? next : "/");
	}
	c->res->page = page;
	snprintf(c->res->title, sizeof c->res->title, "%s", title);
	return status;
}

static long long now_s(void) { return (long long)time(NULL); }

/* Starts a session or API token for account; returns the credential's id and the
 * secret in out, or -1. Inside the caller's transaction. */
static long long credential_create(struct db *db, long long account, const char *kind, const char *name,
                                   char out[TOKEN_CHARS + 1], long long *expires)
{
	char hash[65];
	int session = strcmp(kind, "session") == 0;
	if (new_secret(session ? "rbs_" : "rbt_", out))
		return -1;
	secret_hash(out, hash);
	long long now = now_s();
	*expires = session ? now + config_long("SESSION_MAX_S", 30L * 86400) : 0;
	sqlite3_stmt *st = db_prep(db, "INSERT INTO credential(account_id, kind, hash, name, created_s, used_s, "
	                               "expires_s) VALUES (?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, account);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, hash);
	db_bind_text(st, 4, name);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, session ? now : 0); /* a session idles from its start; a token is unused yet */
	if (session)
		sqlite3_bind_int64(st, 7, *expires);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db->h);
}

static void rfc3339(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Commits a new session for account and answers 201 {token, expiresAt, account}; a
 * browser also gets it as the session cookie (a new id at every sign-in). */
static int reply_session(struct ctx *c, long long account)
{
	char token[TOKEN_CHARS + 1], expires_at[32];
	long long expires;
	if (credential_create(c->db, account, "session", NULL, token, &expires) < 0 || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the session could not be stored; try again");
	}
	rfc3339(expires, expires_at);
	if (c->req->body_is_form)
		response_header(c->res, "Set-Cookie", "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
		                SESSION_COOKIE, token, config_long("SESSION_MAX_S", 30L * 86400),
		                c->req->https ? "; Secure" : "");
	c->res->model = json_pack("{s:s, s:s, s:o}", "token", token, "expiresAt", expires_at, "account",
	                          account_load(c->db, account));
	explicit_bzero(token, sizeof token);
	return 201;
}

static int accounts_create(struct ctx *c)
{
	const char *email = NULL, *name = NULL, *password = NULL;
	char key[256];
	json_t *errors = json_array();
	if (body_str(c, errors, "email", 254, &email) == 0)
		field_error(errors, "email", "is required");
	else if (email && email_key(email, key, sizeof key))
		field_error(errors, "email", "must be an email address such as ann@example.com");
	else if (email && !mail_address_ok(email)) /* no e-mail could reach it; accents: nor is it one
	                                             * key whatever its case (Ü@ and ü@ were two accounts) */
		field_error(errors, "email", has_non_ascii(email) ? "must be an email address written in plain letters "
		                                                    "(no accents), such as ann@example.com"
		                                                  : "must be an email address such as ann@example.com");
	body_line(c, errors, "name", NAME_CHARS, &name);
	char local[NAME_SIZE]; /* no name given: the address's local part, never the address, which
	                        * hosts would see as the guest's name on every booking */
	if (!name && email && strchr(email, '@')) {
		snprintf(local, sizeof local, "%.*s", (int)(strchr(email, '@') - email), email);
		name = local;
	}
	const char *why = body_password(c, errors, "password", &password) == 1 && email ? password_problem(password, email, name) : NULL;
	if (why)
		field_error(errors, "password", why);
	if (json_array_size(errors))
		return form_again(c, problem_validation(c, errors), "sign_up", "Create an account");
	json_decref(errors);
	char hash[CRYPT_OUTPUT_SIZE];
	if (password_hash(password, hash, sizeof hash))
		return problem_unavailable(c, 1, "the password could not be hashed; try again");
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	sqlite3_stmt *st = db_prep(c->db, "INSERT INTO account(email, email_key, name, password_hash, created_at, "
	                                  "updated_at) VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
	                                  "strftime('%Y-%m-%dT%H:%M:%fZ','now')) ON CONFLICT(email_key) DO NOTHING");
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, name ? name : email); /* (no '@': refused above) */
	db_bind_text(st, 4, hash);
	explicit_bzero(hash, sizeof hash);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the account could not be stored; try again");
	}
	if (sqlite3_changes(c->db->h) == 0) {
		db_rollback(c->db);
		errors = json_array();
		field_error(errors, "email", "This email already has an account: sign in instead");
		return form_again(c, problem_fields(c, 409, errors, "this email already has an account"), "sign_up",
		                  "Create an account");
	}
	long long id = sqlite3_last_insert_rowid(c->db->h);
	response_header(c->res, "Location", "/account");
	snprintf(c->res->flash, sizeof c->res->flash, "Welcome to Roombook.");
	if (c->req->body_is_form) /* a browser is signed in at once */
		return reply_session(c, id);
	if (db_commit(c->db))
		return problem_unavailable(c, 1, "the account could not be stored; try again");
	c->res->model = account_load(c->db, id);
	return 201;
}

/* ---- signing in, slowed after failures ---- */

/* Seconds key must still wait before another attempt (0: none). */
static long long throttle_wait(struct db *db, const char *key)
{
	long long until = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT blocked_until FROM sign_in_failure WHERE key = ?");
	db_bind_text(st, 1, key);
	db_scalar_int(st, &until);
	return until > now_s() ? until - now_s() : 0;
}

/* Counts a failure of key; from limit failures in SIGN_IN_WINDOW_S on, the next attempt
 * waits 2^(failures - limit + 1) seconds (at most the window; 2 s, since times are whole
 * seconds, so the first wait is never under one). Inside a transaction. */
static int throttle_fail(struct db *db, const char *key, long limit)
{
	long window = config_long("SIGN_IN_WINDOW_S", 900);
	sqlite3_stmt *st = db_prep(db,
		"INSERT INTO sign_in_failure(key, failures, window_s, blocked_until) VALUES (?1, 1, ?2, 0) "
		"ON CONFLICT(key) DO UPDATE SET "
		"failures = CASE WHEN window_s + ?3 < ?2 THEN 1 ELSE failures + 1 END, "
		"window_s = CASE WHEN window_s + ?3 < ?2 THEN ?2 ELSE window_s END, "
		"blocked_until = CASE WHEN window_s + ?3 >= ?2 AND failures + 1 >= ?4 "
		"THEN ?2 + min(?3, 2 << min(failures + 1 - ?4, 20)) ELSE 0 END");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now_s());
	sqlite3_bind_int64(st, 3, window);
	sqlite3_bind_int64(st, 4, limit);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

static int throttle_clear(struct db *db, const char *key)
{
	sqlite3_stmt *st = db_prep(db, "DELETE FROM sign_in_failure WHERE key = ?");
	db_bind_text(st, 1, key);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

static int too_many(struct ctx *c, long long wait)
{
	response_header(c->res, "Retry-After", "%lld", wait);
	if (!c->req->wants_html) {
		problem(c, 429, "too many failed sign-ins; wait %lld second%s and try again", wait, wait == 1 ? "" : "s");
		return form_again(c, 429, "sign_in", "Sign in");
	}
	long long minutes = (wait + 59) / 60;
	if (wait < 60)
		problem(c, 429, "there were too many failed sign-ins, so signing in is paused for a moment to keep "
		                "accounts safe. Please wait %lld second%s and try again.", wait, wait == 1 ? "" : "s");
	else
		problem(c, 429, "there were too many failed sign-ins, so signing in is paused to keep accounts safe. "
		                "Please wait %lld minute%s and try again.", minutes, minutes == 1 ? "" : "s");
	return form_again(c, 429, "sign_in", "Sign in");
}

/* Takes back the attempt counted against the address once it succeeded. */
static int throttle_undo(struct db *db, const char *key, long limit)
{
	sqlite3_stmt *st = db_prep(db, "UPDATE sign_in_failure SET failures = max(failures - 1, 0), "
	                               "blocked_until = CASE WHEN failures - 1 >= ?2 THEN blocked_until ELSE 0 END "
	                               "WHERE key = ?1");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, limit);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Checks that neither the email nor the address must wait, and counts this attempt as
 * a failure of both before the password is checked, in one transaction: attempts sent
 * in parallel cannot all pass the check before any failure is counted. Returns 0, or
 * the 429/503 answer. */
static int sign_in_attempt(struct ctx *c, const char *email_k, const char *addr_k)
{
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	long long wait = throttle_wait(c->db, email_k), wait_addr = throttle_wait(c->db, addr_k);
	if (wait || wait_addr) {
		db_rollback(c->db);
		return too_many(c, wait > wait_addr ? wait : wait_addr);
	}
	if (throttle_fail(c->db, email_k, config_long("SIGN_IN_MAX_FAILURES", 5)) ||
	    throttle_fail(c->db, addr_k, config_long("SIGN_IN_MAX_FAILURES_ADDR", 50)) || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the database is busy; try again");
	}
	return 0;
}

/* Answers a failed sign-in (already counted): 401, the same answer whether or not the
 * email has an account. */
static int sign_in_failed(struct ctx *c)
{
	json_t *errors = json_array();
	field_error(errors, "password", "The email or the password is not right");
	response_header(c->res, "WWW-Authenticate", "Bearer realm=\"roombook\"");
	problem_fields(c, 401, errors, "the email or the password is not right");
	if (c->req->wants_html) /* the page says it once, in the summary (which field is wrong is not told) */
		json_object_del(c->res->model, "errors");
	return form_again(c, 401, "sign_in", "Sign in");
}

static int sessions_create(struct ctx *c)
{
	const char *email = NULL, *password = NULL;
	char key[256] = "", email_k[300], addr_k[80];
	json_t *errors = json_array();
	if (body_str(c, errors, "email", 254, &email) == 0)
		field_error(errors, "email", "is required");
	body_password(c, errors, "password", &password);
	if (json_array_size(errors))
		return form_again(c, problem_validation(c, errors), "sign_in", "Sign in");
	json_decref(errors);
	if (email_key(email, key, sizeof key))
		snprintf(key, sizeof key, "%.200s", email);
	snprintf(email_k, sizeof email_k, "email:%s", key);
	snprintf(addr_k, sizeof addr_k, "addr:%.60s", c->req->remote_addr ? c->req->remote_addr : "-");
	int rc = sign_in_attempt(c, email_k, addr_k);
	if (rc)
		return rc;
	sqlite3_stmt *st = db_prep(c->db, "SELECT id, password_hash FROM account WHERE email_key = ?");
	db_bind_text(st, 1, key);
	long long id = 0;
	char hash[CRYPT_OUTPUT_SIZE] = "";
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	db_done(st);
	int ok = password_matches(password, id ? hash : decoy_hash()) && id;
	if (!ok)
		return sign_in_failed(c);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	if (throttle_clear(c->db, email_k) || throttle_undo(c->db, addr_k, config_long("SIGN_IN_MAX_FAILURES_ADDR", 50))) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the database is busy; try again");
	}
	snprintf(c->res->flash, sizeof c->res->flash, "You are signed in.");
	response_header(c->res, "Location", "/account");
	return reply_session(c, id);
}

/* ---- the current credential ---- */

/* The credential the request carries (bearer token first, then the session cookie),
 * hashed into hash. Returns 1, or 0 when there is none (or it is malformed). */
static int request_credential(const struct request *r, char hash[65])
{
	char token[160];
	int rc = credential_bearer(r->authorization, token, sizeof token);
	if (rc == 0 && cookie_get(r, SESSION_COOKIE, token, sizeof token) && credential_token_valid(token))
		rc = 1;
	if (rc != 1)
		return 0;
	secret_hash(token, hash);
	explicit_bzero(token, sizeof token);
	return 1;
}

struct who {
	long long credential, account, used;
	char role[16], name[NAME_SIZE];
};

/* Looks up the request's live credential. Returns 1 with *w filled, 0 when it has none
 * (or none live), -1 when the database could not be read. */
static int credential_lookup(struct db *db, const struct request *r, struct who *w)
{
	char hash[65];
	if (!request_credential(r, hash))
		return 0;
	long long now = now_s();
	sqlite3_stmt *st = db_prep(db, "SELECT c.id, c.account_id, c.used_s, a.role, a.name FROM credential c "
	                               "JOIN account a ON a.id = c.account_id WHERE c.hash = ?1 AND c.revoked_s IS NULL "
	                               "AND (c.expires_s IS NULL OR c.expires_s > ?2) "
	                               "AND (c.kind = 'token' OR c.used_s + ?3 > ?2)");
	db_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, config_long("SESSION_IDLE_S", 7L * 86400));
	int rc = sqlite3_step(st), found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (found > 0) {
		w->credential = sqlite3_column_int64(st, 0);
		w->account = sqlite3_column_int64(st, 1);
		w->used = sqlite3_column_int64(st, 2);
		snprintf(w->role, sizeof w->role, "%s", (const char *)sqlite3_column_text(st, 3));
		utf8_copy(w->name, sizeof w->name, (const char *)sqlite3_column_text(st, 4));
	}
	db_done(st);
	return found;
}

/* Keeps the credential's last use to the minute (the idle limit counts from it), or
 * finer when the idle limit is short: a session in use must never idle out. */
static void credential_touch(struct db *db, const struct who *w)
{
	long granularity = config_long("SESSION_IDLE_S", 7L * 86400) / 4;
	if (granularity > USED_GRANULARITY_S)
		granularity = USED_GRANULARITY_S;
	if (w->used + granularity > now_s() || db_begin(db))
		return;
	sqlite3_stmt *st = db_prep(db, "UPDATE credential SET used_s = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, w->credential);
	if (db_run(st) != SQLITE_DONE || db_commit(db))
		db_rollback(db);
}

/* GET /_auth: the gateway's identity check. 204 with X-Account-Id, -Role and -Name
 * when the request carries a live credential, else 204 with none (anonymous: each
 * service then decides whether its route needs an account). */
static int auth_check(struct ctx *c)
{
	struct who w;
	int found = credential_lookup(c->db, c->req, &w);
	if (found < 0) /* never "signed out" for a database that could not be read */
		return problem_unavailable(c, 1, "the identity check could not read its database; try again");
	if (!found)
		return 204;
	credential_touch(c->db, &w);
	response_header(c->res, "X-Account-Id", "%lld", w.account);
	response_header(c->res, "X-Account-Role", "%s", w.role);
	for (char *p = w.name; *p; p++) /* a header line ends at a line break: never inside a name */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	response_header(c->res, "X-Account-Name", "%s", w.name);
	return 204;
}

/* Revokes credential id of account (0 for any of the account's own). Returns 1 when
 * revoked now, 0 when there was none, -1 on a database error. */
static int credential_revoke(struct db *db, long long account, long long id, const char *kind)
{
	if (db_begin(db))
		return -1;
	sqlite3_stmt *st = db_prep(db, "UPDATE credential SET revoked_s = ?1 WHERE id = ?2 AND account_id = ?3 "
	                               "AND (?4 IS NULL OR kind = ?4) AND revoked_s IS NULL");
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, account);
	db_bind_text(st, 4, kind);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(db);
		return -1;
	}
	int changed = sqlite3_changes(db->h) > 0;
	return db_commit(db) ? -1 : changed;
}

/* DELETE /sessions/current and POST /sign-out: ends the credential this request carries. */
static int sessions_delete_current(struct ctx *c)
{
	struct who w;
	int found = credential_lookup(c->db, c->req, &w);
	if (found < 0 || (found && credential_revoke(c->db, w.account, w.credential, NULL) < 0))
		return problem_unavailable(c, 1, "the session could not be ended; try again");
	response_header(c->res, "Set-Cookie", "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", SESSION_COOKIE,
	                c->req->https ? "; Secure" : "");
	snprintf(c->res->flash, sizeof c->res->flash, "You are signed out.");
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/");
	return 204;
}

/* ---- the account and its API tokens ---- */

/* A live session in SQL, ?1 now and ?2 SESSION_IDLE_S: one the identity check accepts
 * (credential_lookup), so that what is counted or ended is what could still be used. */
#define SESSION_LIVE "kind = 'session' AND revoked_s IS NULL AND expires_s > ?1 AND used_s + ?2 > ?1"
/* ...of account ?3 but credential ?4 */
#define OTHER_SESSIONS SESSION_LIVE " AND account_id = ?3 AND id <> ?4"

/* st (a statement WHERE OTHER_SESSIONS) with its four values bound. */
static sqlite3_stmt *other_sessions(sqlite3_stmt *st, long long account, long long keep)
{
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, config_long("SESSION_IDLE_S", 7L * 86400));
	sqlite3_bind_int64(st, 3, account);
	sqlite3_bind_int64(st, 4, keep);
	return st;
}

/* Ends every live session of account but the credential keep (the one the request
 * came with); API tokens stay. Inside the caller's transaction; the count, or -1. */
static int other_sessions_end(struct db *db, long long account, long long keep)
{
	sqlite3_stmt *st = other_sessions(db_prep(db, "UPDATE credential SET revoked_s = ?1 WHERE " OTHER_SESSIONS),
	                                  account, keep);
	return db_run(st) == SQLITE_DONE ? sqlite3_changes(db->h) : -1;
}

/* The live sessions of account other than credential keep; -1 when unread. */
static long long other_sessions_count(struct db *db, long long account, long long keep)
{
	long long n = -1;
	sqlite3_stmt *st = other_sessions(db_prep(db, "SELECT count(*) FROM credential WHERE " OTHER_SESSIONS), account,
	                                  keep);
	return db_scalar_int(st, &n) == 1 ? n : -1;
}

#define TOKEN_COLUMNS \
	"id, name, strftime('%Y-%m-%dT%H:%M:%SZ', created_s, 'unixepoch') AS createdAt, " \
	"CASE WHEN used_s > 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', used_s, 'unixepoch') END AS lastUsedAt"

static json_t *tokens_of(struct db *db, long long account)
{
	sqlite3_stmt *st = db_prep(db, "SELECT " TOKEN_COLUMNS " FROM credential WHERE account_id = ? "
	                               "AND kind = 'token' AND revoked_s IS NULL ORDER BY id DESC LIMIT 100");
	sqlite3_bind_int64(st, 1, account);
	json_t *rows = db_rows_json(st);
	return rows ? rows : json_array();
}

/* What the account page shows besides the account's own fields, added to model (the
 * account, or a problem the page is shown again with): its tokens and the day it joined. */
static void account_page(struct ctx *c, json_t *model, const json_t *account)
{
	const char *created = json_string_value(json_object_get(account, "createdAt"));
	if (model != account) {
		json_object_set(model, "name", json_object_get(account, "name"));
		json_object_set(model, "email", json_object_get(account, "email"));
	}
	json_object_set_new(model, "tokens", tokens_of(c->db, c->req->account_id));
	json_object_set_new(model, "memberSince", json_stringn(created ? created : "", created ? 10 : 0));
	struct who w = {0};
	long long others = credential_lookup(c->db, c->req, &w) >= 0
	                       ? other_sessions_count(c->db, c->req->account_id, w.credential) : -1;
	if (others > 0) /* (a number shows its section even when 0) */
		json_object_set_new(model, "otherSessions", json_integer(others));
	c->res->page = "account";
	snprintf(c->res->title, sizeof c->res->title, "Your account");
}

static int account_get(struct ctx *c)
{
	c->res->model = account_load(c->db, c->req->account_id);
	if (!c->res->model)
		return access_sign_in_first(c);
	if (c->req->wants_html)
		account_page(c, c->res->model, c->res->model);
	return 200;
}

/* GET /internal/accounts/{id} (service-to-service, with the stack's secret): the
 * account's address and name, for the messages service's e-mail. */
static int account_internal_get(struct ctx *c)
{
	c->res->model = db_row_by_id(c->db, "SELECT id, email, name FROM account WHERE id = ?", c->req->ids[0]);
	if (!c->res->model)
		return problem(c, 404, "account %lld does not exist", c->req->ids[0]);
	return 200;
}

/* GET /account/tokens: the caller's live API tokens, newest first, a page at a time
 * (?limit=, ?cursor=, Link and nextCursor, as every list). */
static int tokens_list(struct ctx *c)
{
	long long limit, cursor;
	int rc = page_params(c, &limit, &cursor);
	if (rc)
		return rc;
	sqlite3_stmt *st = db_prep(c->db, "SELECT " TOKEN_COLUMNS " FROM credential WHERE account_id = ?1 "
	                                  "AND kind = 'token' AND revoked_s IS NULL AND (?2 = 0 OR id < ?2) "
	                                  "ORDER BY id DESC LIMIT ?3");
	sqlite3_bind_int64(st, 1, c->req->account_id);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_int64(st, 3, limit + 1);
	return page_reply(c, db_rows_json(st), limit, "id");
}

static int tokens_create(struct ctx *c)
{
	const char *name = NULL;
	char token[TOKEN_CHARS + 1];
	long long expires;
	json_t *errors = json_array();
	c->res->page = "account";
	if (body_line(c, errors, "name", 100, &name) == 0)
		field_error(errors, "name", "Give the token a name, such as the script that uses it");
	if (json_array_size(errors)) {
		int status = problem_validation(c, errors);
		json_t *account = c->req->wants_html ? account_load(c->db, c->req->account_id) : NULL;
		if (account) /* the page again, whole, with the error at the token's name */
			account_page(c, c->res->model, account);
		json_decref(account);
		return status;
	}
	json_decref(errors);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	long long id = credential_create(c->db, c->req->account_id, "token", name, token, &expires);
	if (id < 0 || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the token could not be stored; try again");
	}
	c->res->model = db_row_by_id(c->db, "SELECT " TOKEN_COLUMNS " FROM credential WHERE id = ?", id);
	json_object_set_new(c->res->model, "token", json_string(token));
	explicit_bzero(token, sizeof token);
	response_header(c->res, "Location", "/account/tokens");
	c->res->page = "token";
	c->res->show_page = 1; /* the token is shown this once: no redirect could carry it */
	snprintf(c->res->title, sizeof c->res->title, "Your new API token");
	return 201;
}

static int tokens_delete(struct ctx *c)
{
	int rc = credential_revoke(c->db, c->req->account_id, c->req->ids[0], "token");
	if (rc < 0)
		return problem_unavailable(c, 1, "the token could not be revoked; try again");
	if (rc == 0)
		return problem(c, 404, "token %lld does not exist", c->req->ids[0]);
	snprintf(c->res->flash, sizeof c->res->flash, "The token was revoked.");
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/account");
	return 204;
}

/* DELETE /sessions/others, and the account page's POST /account/sign-out-others: ends
 * every other live session of the caller's account at once (a phone left in a taxi);
 * API tokens stay, revoked one by one. 200 {"ended": N}. */
static int sessions_delete_others(struct ctx *c)
{
	struct who w = {0};
	if (credential_lookup(c->db, c->req, &w) < 0 || db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	int ended = other_sessions_end(c->db, c->req->account_id, w.credential);
	if (ended < 0 || db_commit(c->db)) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the sessions could not be ended; try again");
	}
	if (ended)
		snprintf(c->res->flash, sizeof c->res->flash, "%d other session%s signed out.", ended,
		         ended == 1 ? " was" : "s were");
	else
		snprintf(c->res->flash, sizeof c->res->flash, "No other session was signed in.");
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/account");
	c->res->model = json_pack("{s:i}", "ended", ended);
	return 200;
}

/* ---- the account's name and password ---- */

/* The page of the form that changes the name (GET /account/edit, and a post that came
 * back with errors). */
static void name_form(struct ctx *c)
{
	c->res->page = "account_edit";
	snprintf(c->res->title, sizeof c->res->title, "Change your name");
}

static int account_edit_page(struct ctx *c)
{
	c->res->model = account_load(c->db, c->req->account_id);
	if (!c->res->model)
		return access_sign_in_first(c);
	json_object_set_new(c->res->model, "form", json_pack("{s:O}", "name", json_object_get(c->res->model, "name")));
	name_form(c);
	return 200;
}

/* PATCH /account {"name"} and the form's POST /account/edit: the name a booking is made
 * in by default, and that hosts see on a booking made with it. Bookings already made
 * keep the name they were made with. */
static int account_update(struct ctx *c)
{
	const char *name = NULL;
	json_t *errors = json_array();
	name_form(c);
	if (body_line(c, errors, "name", NAME_CHARS, &name) == 0)
		field_error(errors, "name", "is required");
	if (json_array_size(errors))
		return problem_validation(c, errors);
	json_decref(errors);
	if (db_begin(c->db))
		return problem_unavailable(c, 1, "the database is busy; try again");
	sqlite3_stmt *st = db_prep(c->db, "UPDATE account SET name = ?1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                                  "WHERE id = ?2 AND name IS NOT ?1");
	db_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, c->req->account_id);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		return problem_unavailable(c, 1, "the name could not be stored; try again");
	}
	int changed = sqlite3_changes(c->db->h) > 0;
	if (db_commit(c->db))
		return problem_unavailable(c, 1, "the name could not be stored; try again");
	c->res->model = account_load(c->db, c->req->account_id);
	if (!c->res->model)
		return access_sign_in_first(c);
	snprintf(c->res->flash, sizeof c->res->flash, changed ? "Your name was changed." : "Nothing was changed.");
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/account");
	return 200;
}

/* The page of the form that changes the password (GET /account/password, and a post
 * that came back with errors: never with a password in it). */
/* Whether this service sends its e-mails (a reset link, the notice of a changed
 * password): e-mail is on (SMTP_URL, MAIL_FROM) and SITE_URL says where a link leads
 * (never the request's Host, which the client chooses). 1 with why filled when not. */
static int account_mail_off(char *why, size_t size)
{
	if (mail_off_reason(why, size))
		return 1;
	const char *site = config_str("SITE_URL", NULL);
	if (!site || (strncmp(site, "https://", 8) != 0 && strncmp(site, "http://", 7) != 0)) {
		snprintf(why, size, "SITE_URL is not set: an e-mail could not link back to this site");
		return 1;
	}
	return 0;
}

static int password_form(struct ctx *c, int status)
{
	char why[160];
	forget_password(c);
	if (c->req->wants_html && json_is_object(c->res->model)) /* the notice is promised only when it is sent */
		json_object_set_new(c->res->model, "mailOn", json_boolean(!account_mail_off(why, sizeof why)));
	c->res->page = "account_password";
	snprintf(c->res->title, sizeof c->res->title, "Change your password");
	return status;
}

static int account_password_page(struct ctx *c)
{
	c->res->model = json_object();
	return password_form(c, 200);
}

/* Makes every live link of account void (drop: its e-mails not sent yet; used: the
 * links, the account bound as ?2, the time as ?1). Inside the caller's transaction; 0 or -1. */
static int links_void(struct db *db, long long account, const char *drop, const char *used)
{
	sqlite3_stmt *st = db_prep(db, drop);
	sqlite3_bind_int64(st, 1, account);
	if (db_run(st) != SQLITE_DONE)
		return -1;
	st = db_prep(db, used);
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, account);
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* Every reset link of account (used, or a later change made it pointless). */
static int resets_void(struct db *db, long long account)
{
	return links_void(db, account,
	                  "DELETE FROM account_email WHERE kind = 'reset' AND reset_id IN "
	                  "(SELECT id FROM password_reset WHERE account_id = ? AND used_s IS NULL)",
	                  "UPDATE password_reset SET used_s = ?1 WHERE account_id = ?2 AND used_s IS NULL");
}

/* Every pending address change of account (a newer one, a password change or reset, a
 * confirmed change). */
static int changes_void(struct db *db, long long account)
{
	return links_void(db, account,
	                  "DELETE FROM account_email WHERE kind = 'email_confirm' AND change_id IN "
	                  "(SELECT id FROM email_change WHERE account_id = ? AND used_s IS NULL)",
	                  "UPDATE email_change SET used_s = ?1 WHERE account_id = ?2 AND used_s IS NULL");
}

/* Queues the e-mail that tells account its password was changed (sent by
 * accounts_mail.c, to the address the account has now, even if it changes before the
 * e-mail goes out): an owner whose password someone else changed learns it, and is told
 * how to take the account back. Inside the caller's transaction; 0 or -1. */
static int password_changed_notice(struct db *db, long long account)
{
	sqlite3_stmt *st = db_prep(db, "INSERT INTO account_email(account_id, kind, to_addr, created_s) "
	                               "SELECT id, 'password_changed', email, ?2 FROM account WHERE id = ?1");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, now_s());
	return db_run(st) == SQLITE_DONE ? 0 : -1;
}

/* POST /account/password {"currentPassword","newPassword"}: the password changes when
 * the current one is given right (a session or token alone cannot change it), and every
 * other browser signed in to the account is signed out. A wrong current password counts
 * as a failed sign-in of the account and of the address, and is slowed like one. */
static int password_change(struct ctx *c)
{
	const char *current = NULL, *fresh = NULL;
	json_t *errors = json_array();
	body_password(c, errors, "currentPassword", &current);
	int have_new = body_password(c, errors, "newPassword", &fresh) == 1;
	sqlite3_stmt *st = db_prep(c->db, "SELECT email, email_key, name, password_hash FROM account WHERE id = ?");
	sqlite3_bind_int64(st, 1, c->req->account_id);
	char email[256] = "", email_k[300] = "", name[NAME_SIZE] = "", hash[CRYPT_OUTPUT_SIZE] = "";
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		snprintf(email, sizeof email, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(email_k, sizeof email_k, "email:%s", (const char *)sqlite3_column_text(st, 1));
		utf8_copy(name, sizeof name, (const char *)sqlite3_column_text(st, 2));
		snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 3));
	}
	db_done(st);
	if (!found) {
		json_decref(errors);
		return access_sign_in_first(c);
	}
	const char *why = have_new ? password_problem(fresh, email, name) : NULL;
	if (why)
		field_error(errors, "newPassword", why);
	else if (have_new && current && strcmp(current, fresh) == 0)
		field_error(errors, "newPassword", "must not be the password you have now");
	if (json_array_size(errors))
		return password_form(c, problem_validation(c, errors));
	json_decref(errors);
	char addr_k[80];
	snprintf(addr_k, sizeof addr_k, "addr:%.60s", c->req->remote_addr ? c->req->remote_addr : "-");
	int rc = sign_in_attempt(c, email_k, addr_k);
	if (rc)
		return password_form(c, rc);
	if (!password_matches(current, hash)) {
		errors = json_array();
		field_error(errors, "currentPassword", "is not right");
		return password_form(c, problem_validation(c, errors));
	}
	struct who w = {0};
	char fresh_hash[CRYPT_OUTPUT_SIZE];
	if (credential_lookup(c->db, c->req, &w) < 0 || password_hash(fresh, fresh_hash, sizeof fresh_hash))
		return password_form(c, problem_unavailable(c, 1, "the password could not be changed; try again"));
	if (db_begin(c->db))
		return password_form(c, problem_unavailable(c, 1, "the database is busy; try again"));
	/* from the hash the current password was checked against: a reset or another change
	 * committed since wins, and this one is refused (409) rather than undo it */
	st = db_prep(c->db, "UPDATE account SET password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                    "WHERE id = ? AND password_hash = ?");
	db_bind_text(st, 1, fresh_hash);
	sqlite3_bind_int64(st, 2, c->req->account_id);
	db_bind_text(st, 3, hash);
	explicit_bzero(fresh_hash, sizeof fresh_hash);
	if (db_run(st) != SQLITE_DONE) {
		db_rollback(c->db);
		return password_form(c, problem_unavailable(c, 1, "the password could not be changed; try again"));
	}
	if (sqlite3_changes(c->db->h) != 1) {
		db_rollback(c->db);
		return password_form(c, problem(c, 409, "the password was changed meanwhile (on another device, or by a "
		                                        "reset link); nothing was changed here"));
	}
	int ended = -1;
	if ((ended = other_sessions_end(c->db, c->req->account_id, w.credential)) < 0 ||
	    resets_void(c->db, c->req->account_id) || changes_void(c->db, c->req->account_id) ||
	    password_changed_notice(c->db, c->req->account_id) ||
	    throttle_clear(c->db, email_k) ||
	    throttle_undo(c->db, addr_k, config_long("SIGN_IN_MAX_FAILURES_ADDR", 50)) || db_commit(c->db)) {
		db_rollback(c->db);
		return password_form(c, problem_unavailable(c, 1, "the password could not be changed; try again"));
	}
	if (ended > 0)
		snprintf(c->res->flash, sizeof c->res->flash,
		         "Your password was changed, and %d other session%s signed in to your account %s signed out.", ended,
		         ended == 1 ? "" : "s", ended == 1 ? "was" : "were");
	else
		snprintf(c->res->flash, sizeof c->res->flash, "Your password was changed.");
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/account");
	forget_password(c);
	return 204;
}

/* ---- a forgotten password ---- */

/* A reset link's secret: "rbr_" and 64 hex digits, in the link an e-mail carries
 * (SITE_URL/password-reset/new?token=...). Only its hash is kept with the link; the
 * e-mail's row (account_email) holds the secret until the SMTP server took it
 * (accounts_mail.c). */
#define RESET_PREFIX "rbr_"


/* A new reset link for account, inside the caller's transaction: its secret in out.
 * Returns its id, or -1. */
static long long reset_create(struct db *db, long long account, char out[TOKEN_CHARS + 1])
{
	char hash[SHA256_HEX];
	if (new_secret(RESET_PREFIX, out))
		return -1;
	secret_hash(out, hash);
	sqlite3_stmt *st = db_prep(db, "INSERT INTO password_reset(account_id, hash, created_s, expires_s) "
	                               "VALUES (?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, account);
	db_bind_text(st, 2, hash);
	sqlite3_bind_int64(st, 3, now_s());
	sqlite3_bind_int64(st, 4, now_s() + reset_ttl_s());
	return db_run(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(db->h) : -1;
}

/* The page that asks for the address (GET /password-reset, and what comes back to it). */
/* What only the pages of a forgotten password show, added to the model for a browser:
 * and the header's "Sign in" leads back to the account page, never to a URL that
 * carries a link's secret (it would reach the access log percent-encoded in ?next=). */
static void reset_page_keys(struct ctx *c, const char *key, json_t *value)
{
	if (c->req->wants_html && json_is_object(c->res->model)) {
		json_object_set_new(c->res->model, "form", json_pack("{s:s}", "next", "/account"));
		json_object_set_new(c->res->model, key, value);
	} else
		json_decref(value);
}

static int reset_ask_page(struct ctx *c, int status)
{
	char why[160];
	reset_page_keys(c, "mailOff", json_boolean(account_mail_off(why, sizeof why)));
	c->res->page = "password_reset";
	snprintf(c->res->title, sizeof c->res->title, "Forgotten password");
	return status;
}

static int password_reset_page(struct ctx *c)
{
	c->res->model = json_object();
	return reset_ask_page(c, 200);
}

#define RESET_SENT "If an account has this address, an e-mail with a link to choose a new password is on its way. " \
                   "The link works once, within %ld minutes."

/* POST /password-reset {"email"}: e-mails a link to choose a new password to the
 * account with that address. The answer is the same whether or not there is one (202),
 * and takes about as long: the e-mail is sent later, by the background thread. At most
 * RESET_MAX_PER_ACCOUNT links an account in SIGN_IN_WINDOW_S and RESET_MAX_PER_ACCOUNT_DAY
 * in a day (more asks are answered alike and send nothing), however many addresses ask;
 * an address asking more than RESET_MAX_PER_ADDR times is slowed like failed sign-ins
 * (429). */
static int password_reset_request(struct ctx *c)
{
	const char *email = NULL;
	char key[256], addr_k[80], why[160], secret[TOKEN_CHARS + 1];
	json_t *errors = json_array();
	if (body_str(c, errors, "email", 254, &email) == 0)
		field_error(errors, "email", "is required");
	else if (email && email_key(email, key, sizeof key))
		field_error(errors, "email", "must be an email address such as ann@example.com");
	if (json_array_size(errors))
		return reset_ask_page(c, problem_validation(c, errors));
	json_decref(errors);
	if (account_mail_off(why, sizeof why)) {
		log_warn("a password reset was asked for, but %s", why);
		response_header(c->res, "Retry-After", "3600");
		return reset_ask_page(c, problem(c, 503, "this site sends no e-mail, so a forgotten password cannot be "
		                                         "reset here; ask the site's operator"));
	}
	snprintf(addr_k, sizeof addr_k, "reset:%.60s", c->req->remote_addr ? c->req->remote_addr : "-");
	if (db_begin(c->db))
		return reset_ask_page(c, problem_unavailable(c, 1, "the database is busy; try again"));
	long long wait = throttle_wait(c->db, addr_k);
	if (wait) {
		db_rollback(c->db);
		response_header(c->res, "Retry-After", "%lld", wait);
		return reset_ask_page(c, problem(c, 429, "new passwords were asked for too often from here; wait %lld "
		                                         "second%s and try again", wait, wait == 1 ? "" : "s"));
	}
	long long account = 0, recent = 0, today = 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT a.id, (SELECT count(*) FROM password_reset r WHERE r.account_id = a.id "
	                                  "AND r.created_s > ?2), (SELECT count(*) FROM password_reset r WHERE "
	                                  "r.account_id = a.id AND r.created_s > ?3) FROM account a WHERE a.email_key = ?1");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now_s() - config_long("SIGN_IN_WINDOW_S", 900));
	sqlite3_bind_int64(st, 3, now_s() - 86400);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		account = sqlite3_column_int64(st, 0);
		recent = sqlite3_column_int64(st, 1);
		today = sqlite3_column_int64(st, 2);
	}
	db_done(st);
	long long id = 0;
	int failed = (rc != SQLITE_ROW && rc != SQLITE_DONE) ||
	             throttle_fail(c->db, addr_k, config_long("RESET_MAX_PER_ADDR", 10));
	if (!failed && account && recent < config_long("RESET_MAX_PER_ACCOUNT", 3) &&
	    today < config_long("RESET_MAX_PER_ACCOUNT_DAY", 10)) { /* a mailbox is never flooded */
		failed = (id = reset_create(c->db, account, secret)) < 0;
		if (!failed) {
			st = db_prep(c->db, "INSERT INTO account_email(account_id, kind, reset_id, secret, created_s) "
			                    "VALUES (?, 'reset', ?, ?, ?)");
			sqlite3_bind_int64(st, 1, account);
			sqlite3_bind_int64(st, 2, id);
			db_bind_text(st, 3, secret);
			sqlite3_bind_int64(st, 4, now_s());
			failed = db_run(st) != SQLITE_DONE;
			sqlite3_clear_bindings(st); /* the cached statement keeps no copy of the secret */
		}
		explicit_bzero(secret, sizeof secret);
	}
	if (failed || db_commit(c->db)) {
		db_rollback(c->db);
		return reset_ask_page(c, problem_unavailable(c, 1, "the request could not be stored; try again"));
	}
	if (id)
		log_info("password reset link=%lld account=%lld: queued for e-mail", id, account);
	char said[sizeof c->res->flash];
	snprintf(said, sizeof said, RESET_SENT, reset_ttl_minutes());
	snprintf(c->res->flash, sizeof c->res->flash, "%s", said);
	c->res->model = json_pack("{s:s}", "detail", said);
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/sign-in");
	return 202;
}

/* The live reset link whose secret is token: 1 with its id and account, 0 when there is
 * none (malformed, unknown, expired, used or void), -1 when it could not be read. */
static int reset_lookup(struct db *db, const char *token, long long *id, long long *account)
{
	char hash[SHA256_HEX];
	if (!token || strncmp(token, RESET_PREFIX, strlen(RESET_PREFIX)) != 0 || !credential_token_valid(token) ||
	    strlen(token) != TOKEN_CHARS)
		return 0;
	secret_hash(token, hash);
	sqlite3_stmt *st = db_prep(db, "SELECT id, account_id FROM password_reset WHERE hash = ? AND used_s IS NULL "
	                               "AND expires_s > ?");
	db_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, now_s());
	int rc = sqlite3_step(st), found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (found > 0) {
		*id = sqlite3_column_int64(st, 0);
		*account = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return found;
}

/* A link that does not work: 404, on the page that asks for a new one. */
static int reset_gone(struct ctx *c, int found)
{
	forget_password(c);
	json_object_del(c->req->json, "token");
	if (found < 0)
		return reset_ask_page(c, problem_unavailable(c, 1, "the link could not be checked; try again"));
	return reset_ask_page(c, problem(c, 404, "this link to choose a new password does not work: it has expired (a "
	                                         "link works for %ld minutes), or it was used already, or the password "
	                                         "was changed since. Ask for a new link below.", reset_ttl_minutes()));
}

/* The page that chooses the new password (the link's GET, and a post that came back):
 * the link's secret rides in the form as resetToken (FORM_TOKEN is the page's own). */
static int reset_choose_page(struct ctx *c, int status, const char *token)
{
	forget_password(c);
	reset_page_keys(c, "resetToken", json_string(token ? token : ""));
	c->res->page = "password_reset_choose";
	snprintf(c->res->title, sizeof c->res->title, "Choose a new password");
	return status;
}

/* GET /password-reset/new?token=: the form of a live link. */
static int password_reset_choose(struct ctx *c)
{
	long long id, account;
	const char *token = query_get(c->req, "token");
	int found = reset_lookup(c->db, token, &id, &account);
	if (found < 0)
		return problem_unavailable(c, 1, "the link could not be checked; try again");
	if (!found) { /* the page that asks for a new link, saying why (a page: no problem model) */
		c->res->model = json_pack("{s:b, s:I}", "linkGone", 1, "linkMinutes", (json_int_t)(reset_ttl_minutes()));
		return reset_ask_page(c, 404);
	}
	c->res->model = json_object();
	return reset_choose_page(c, 200, token);
}

/* POST /password-reset/new {"token","newPassword"}: the link's holder chooses the
 * password. Every session of the account ends and every other link is void; a browser
 * is signed in with a new session (a script signs in itself: 204). */
static int password_reset_finish(struct ctx *c)
{
	const char *fresh = NULL;
	long long id = 0, account = 0;
	json_t *t = json_object_get(c->req->json, "token");
	const char *token = json_is_string(t) ? json_string_value(t) : NULL;
	int found = reset_lookup(c->db, token, &id, &account);
	if (found <= 0)
		return reset_gone(c, found);
	json_t *acct = account_load(c->db, account);
	if (!acct)
		return reset_choose_page(c, problem_unavailable(c, 1, "the account could not be read; try again"), token);
	json_t *errors = json_array();
	int have_new = body_password(c, errors, "newPassword", &fresh) == 1;
	const char *why = have_new ? password_problem(fresh, json_string_value(json_object_get(acct, "email")),
	                                              json_string_value(json_object_get(acct, "name")))
	                           : NULL;
	if (why)
		field_error(errors, "newPassword", why);
	char email_k[300];
	snprintf(email_k, sizeof email_k, "email:%s", json_string_value(json_object_get(acct, "email")));
	for (char *p = email_k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	json_decref(acct);
	if (json_array_size(errors))
		return reset_choose_page(c, problem_validation(c, errors), token);
	json_decref(errors);
	char hash[CRYPT_OUTPUT_SIZE];
	if (password_hash(fresh, hash, sizeof hash))
		return reset_choose_page(c, problem_unavailable(c, 1, "the password could not be hashed; try again"), token);
	if (db_begin(c->db))
		return reset_choose_page(c, problem_unavailable(c, 1, "the database is busy; try again"), token);
	sqlite3_stmt *st = db_prep(c->db, "UPDATE password_reset SET used_s = ?1 WHERE id = ?2 AND used_s IS NULL "
	                                  "AND expires_s > ?1");
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, id);
	if (db_run(st) != SQLITE_DONE || sqlite3_changes(c->db->h) != 1) { /* used meanwhile, by a post in parallel */
		db_rollback(c->db);
		explicit_bzero(hash, sizeof hash);
		return reset_gone(c, 0);
	}
	st = db_prep(c->db, "UPDATE account SET password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                    "WHERE id = ?");
	db_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, account);
	explicit_bzero(hash, sizeof hash);
	if (db_run(st) != SQLITE_DONE || resets_void(c->db, account) || changes_void(c->db, account) ||
	    other_sessions_end(c->db, account, 0) < 0 || password_changed_notice(c->db, account) ||
	    throttle_clear(c->db, email_k)) {
		db_rollback(c->db);
		return reset_choose_page(c, problem_unavailable(c, 1, "the password could not be changed; try again"), token);
	}
	forget_password(c);
	log_info("password reset link=%lld account=%lld: used", id, account);
	if (c->req->body_is_form) { /* the browser that followed the link is signed in */
		snprintf(c->res->flash, sizeof c->res->flash, "Your password was changed, and you are signed in.");
		response_header(c->res, "Location", "/account");
		return reply_session(c, account);
	}
	if (db_commit(c->db))
		return reset_choose_page(c, problem_unavailable(c, 1, "the password could not be changed; try again"), token);
	return 204;
}

/* ---- changing the address ---- */

/* A link that confirms a new address: "rbe_" and 64 hex digits, e-mailed to that address
 * (SITE_URL/account/email/confirm?token=...); kept like a reset link's. */
#define CHANGE_PREFIX "rbe_"

/* Sets the flash to said, or to shorter when said (naming addresses of up to 254
 * characters) would not fit: a flash is never cut inside an address. */
static void flash_or(struct ctx *c, const char *said, const char *shorter)
{
	size_t n = strlen(said);
	if (n < sizeof c->res->flash)
		memcpy(c->res->flash, said, n + 1);
	else
		snprintf(c->res->flash, sizeof c->res->flash, "%s", shorter);
}

static int email_form(struct ctx *c, int status)
{
	char why[160];
	forget_password(c);
	if (c->req->wants_html && json_is_object(c->res->model)) {
		json_t *acct = account_load(c->db, c->req->account_id);
		const char *now = acct ? json_string_value(json_object_get(acct, "email")) : NULL;
		json_object_set_new(c->res->model, "currentEmail", json_string(now ? now : ""));
		json_object_set_new(c->res->model, "mailOff", json_boolean(account_mail_off(why, sizeof why)));
		json_decref(acct);
	}
	c->res->page = "account_email";
	snprintf(c->res->title, sizeof c->res->title, "Change your email");
	return status;
}

static int account_email_page(struct ctx *c)
{
	c->res->model = json_object();
	return email_form(c, 200);
}

/* Whether an account other than account has the address whose key is key: 1, 0, -1. */
static int email_taken(struct db *db, const char *key, long long account)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM account WHERE email_key = ? AND id <> ?");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, account);
	return db_scalar_int(st, &n) == 1 ? n > 0 : -1;
}

static int email_taken_problem(struct ctx *c)
{
	json_t *errors = json_array();
	field_error(errors, "email", "Another account has this email");
	return problem_fields(c, 409, errors, "another account has this email");
}

/* Seconds until another link to confirm an address may go out, for account and to the
 * address whose key is key: at most RESET_MAX_PER_ACCOUNT links in SIGN_IN_WINDOW_S and
 * RESET_MAX_PER_ACCOUNT_DAY in a day, from one account and to one address alike (one
 * address is not flooded by many accounts). 0 when one may, -1 when it cannot be read. */
static long long change_wait(struct db *db, long long account, const char *key)
{
	long long window = config_long("SIGN_IN_WINDOW_S", 900), worst = 0;
	static const char *const sql[] = {
		"SELECT count(*), min(created_s) FROM email_change WHERE account_id = ?1 AND created_s > ?3",
		"SELECT count(*), min(created_s) FROM email_change WHERE new_key = ?2 AND created_s > ?3"};
	for (int i = 0; i < 2; i++)
		for (int day = 0; day < 2; day++) {
			long long span = day ? 86400 : window,
			          most = day ? config_long("RESET_MAX_PER_ACCOUNT_DAY", 10) : config_long("RESET_MAX_PER_ACCOUNT", 3);
			sqlite3_stmt *st = db_prep(db, sql[i]);
			sqlite3_bind_int64(st, 1, account);
			db_bind_text(st, 2, key);
			sqlite3_bind_int64(st, 3, now_s() - span);
			if (sqlite3_step(st) != SQLITE_ROW) {
				db_done(st);
				return -1;
			}
			long long n = sqlite3_column_int64(st, 0), first = sqlite3_column_int64(st, 1);
			db_done(st);
			if (n >= most && first + span - now_s() > worst)
				worst = first + span - now_s() > 0 ? first + span - now_s() : 1;
		}
	return worst;
}

/* POST /account/email {"email","currentPassword"}: e-mails a link to the new address;
 * the account's address changes when it is followed (POST /account/email/confirm), so
 * only an address its owner reads can become the account's. The current password is
 * checked as at a password change (a session or token alone cannot move the account
 * to another mailbox, from which its password could then be reset). At most
 * RESET_MAX_PER_ACCOUNT links in SIGN_IN_WINDOW_S and RESET_MAX_PER_ACCOUNT_DAY a day:
 * no account can make the site send e-mail to any address at will. */
static int email_change_request(struct ctx *c)
{
	const char *email = NULL, *current = NULL;
	char key[256] = "", why[160];
	json_t *errors = json_array();
	if (body_str(c, errors, "email", 254, &email) == 0)
		field_error(errors, "email", "is required");
	else if (email && (email_key(email, key, sizeof key) || !mail_address_ok(email)))
		field_error(errors, "email", email_key(email, key, sizeof key) == 0 && has_non_ascii(email)
		                                 ? "must be an email address written in plain letters (no accents), such "
		                                   "as ann@example.com"
		                                 : "must be an email address such as ann@example.com");
	body_password(c, errors, "currentPassword", &current);
	sqlite3_stmt *st = db_prep(c->db, "SELECT email, email_key, password_hash FROM account WHERE id = ?");
	sqlite3_bind_int64(st, 1, c->req->account_id);
	char now_key[256] = "", email_k[300] = "", hash[CRYPT_OUTPUT_SIZE] = "", old[256] = "";
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		snprintf(old, sizeof old, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(now_key, sizeof now_key, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	db_done(st);
	if (!found) {
		json_decref(errors);
		return access_sign_in_first(c);
	}
	snprintf(email_k, sizeof email_k, "email:%s", now_key);
	if (!json_array_size(errors) && strcmp(key, now_key) == 0)
		field_error(errors, "email", "is the email your account has now");
	if (json_array_size(errors))
		return email_form(c, problem_validation(c, errors));
	json_decref(errors);
	if (account_mail_off(why, sizeof why)) {
		log_warn("an address change was asked for, but %s", why);
		response_header(c->res, "Retry-After", "3600");
		return email_form(c, problem(c, 503, "this site sends no e-mail, so a new address cannot be confirmed "
		                                      "here; ask the site's operator"));
	}
	char addr_k[80];
	snprintf(addr_k, sizeof addr_k, "addr:%.60s", c->req->remote_addr ? c->req->remote_addr : "-");
	int rc = sign_in_attempt(c, email_k, addr_k);
	if (rc)
		return email_form(c, rc);
	if (!password_matches(current, hash)) {
		errors = json_array();
		field_error(errors, "currentPassword", "is not right");
		return email_form(c, problem_validation(c, errors));
	}
	if (db_begin(c->db))
		return email_form(c, problem_unavailable(c, 1, "the database is busy; try again"));
	/* the password was right: neither counter keeps this attempt, whatever follows */
	long long wait = 0;
	rc = throttle_clear(c->db, email_k) || throttle_undo(c->db, addr_k, config_long("SIGN_IN_MAX_FAILURES_ADDR", 50))
	             ? problem_unavailable(c, 1, "the database is busy; try again")
	             : 0;
	st = db_prep(c->db, "SELECT password_hash = ?2 FROM account WHERE id = ?1");
	sqlite3_bind_int64(st, 1, c->req->account_id);
	db_bind_text(st, 2, hash);
	long long same = 0;
	if (!rc && (db_scalar_int(st, &same) != 1 || !same)) /* a reset or a change committed since wins */
		rc = problem(c, 409, "the password was changed meanwhile (on another device, or by a reset link); nothing "
		                     "was changed here");
	int taken = rc ? 0 : email_taken(c->db, key, c->req->account_id);
	if (!rc && taken)
		rc = taken > 0 ? email_taken_problem(c) : problem_unavailable(c, 1, "the database is busy; try again");
	if (!rc && (wait = change_wait(c->db, c->req->account_id, key)) != 0)
		rc = wait < 0 ? problem_unavailable(c, 1, "the database is busy; try again")
		              : problem(c, 429, "links to confirm a new email were sent too often, from this account or to "
		                                "this address; try again in %lld minute%s", (wait + 59) / 60,
		                        (wait + 59) / 60 == 1 ? "" : "s");
	if (rc) {
		if (db_commit(c->db))
			db_rollback(c->db);
		if (wait > 0)
			response_header(c->res, "Retry-After", "%lld", wait);
		return email_form(c, rc);
	}
	char secret[TOKEN_CHARS + 1], secret_h[SHA256_HEX];
	/* the newest link alone works: a mistyped address asked for before cannot confirm */
	int failed = changes_void(c->db, c->req->account_id) || new_secret(CHANGE_PREFIX, secret);
	if (!failed) {
		secret_hash(secret, secret_h);
		st = db_prep(c->db, "INSERT INTO email_change(account_id, new_email, new_key, hash, created_s, expires_s) "
		                    "VALUES (?, ?, ?, ?, ?, ?)");
		sqlite3_bind_int64(st, 1, c->req->account_id);
		db_bind_text(st, 2, email);
		db_bind_text(st, 3, key);
		db_bind_text(st, 4, secret_h);
		sqlite3_bind_int64(st, 5, now_s());
		sqlite3_bind_int64(st, 6, now_s() + reset_ttl_s());
		failed = db_run(st) != SQLITE_DONE;
	}
	if (!failed) {
		st = db_prep(c->db, "INSERT INTO account_email(account_id, kind, change_id, secret, to_addr, created_s) "
		                    "VALUES (?, 'email_confirm', ?, ?, ?, ?)");
		sqlite3_bind_int64(st, 1, c->req->account_id);
		sqlite3_bind_int64(st, 2, sqlite3_last_insert_rowid(c->db->h));
		db_bind_text(st, 3, secret);
		db_bind_text(st, 4, email);
		sqlite3_bind_int64(st, 5, now_s());
		failed = db_run(st) != SQLITE_DONE;
		sqlite3_clear_bindings(st); /* the cached statement keeps no copy of the secret */
	}
	explicit_bzero(secret, sizeof secret);
	if (failed || db_commit(c->db)) {
		db_rollback(c->db);
		return email_form(c, problem_unavailable(c, 1, "the change could not be stored; try again"));
	}
	log_info("address change account=%lld: a link to confirm it queued for e-mail", c->req->account_id);
	char said[700];
	snprintf(said, sizeof said, "We sent a link to %s. Open it within %ld minutes to make it your account's email; "
	                            "until then your account keeps %s.", email, reset_ttl_minutes(), old);
	flash_or(c, said, "We sent a link to the new address. Open it to make it your account's "
	                  "email; until then your account keeps the one it has.");
	forget_password(c);
	c->res->model = json_pack("{s:s}", "detail", said);
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/account");
	return 202;
}

/* The live change whose secret is token: 1 with its id, account and new address, 0 when
 * there is none (malformed, unknown, expired, used or void), -1 when it could not be read. */
static int change_lookup(struct db *db, const char *token, long long *id, long long *account, char *to, size_t size)
{
	char hash[SHA256_HEX];
	if (!token || strncmp(token, CHANGE_PREFIX, strlen(CHANGE_PREFIX)) != 0 || !credential_token_valid(token) ||
	    strlen(token) != TOKEN_CHARS)
		return 0;
	secret_hash(token, hash);
	sqlite3_stmt *st = db_prep(db, "SELECT id, account_id, new_email FROM email_change WHERE hash = ? "
	                               "AND used_s IS NULL AND expires_s > ?");
	db_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, now_s());
	int rc = sqlite3_step(st), found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (found > 0) {
		*id = sqlite3_column_int64(st, 0);
		*account = sqlite3_column_int64(st, 1);
		snprintf(to, size, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	db_done(st);
	return found;
}

/* The page of a confirmation link (its GET, and a post that came back). */
static int confirm_page(struct ctx *c, int status, const char *token, const char *to)
{
	if (to)
		reset_page_keys(c, "newEmail", json_string(to));
	reset_page_keys(c, "changeToken", json_string(token ? token : ""));
	if (!json_object_get(c->res->model, "linkGone"))
		reset_page_keys(c, "linkGone", json_false());
	json_object_del(c->req->json, "token");
	c->res->page = "account_email_confirm";
	snprintf(c->res->title, sizeof c->res->title, "Confirm your new email");
	return status;
}

static int change_gone(struct ctx *c, int found)
{
	if (found < 0)
		return confirm_page(c, problem_unavailable(c, 1, "the link could not be checked; try again"), NULL, NULL);
	int status = problem(c, 404, "this link to confirm an email does not work: it has expired (a link works for %ld "
	                             "minutes), or it was used already, or another change was made since. Ask for a new "
	                             "link from your account page.", reset_ttl_minutes());
	reset_page_keys(c, "linkGone", json_true());
	return confirm_page(c, status, NULL, NULL);
}

/* GET /account/email/confirm?token=: what the link would change, and the button that
 * does it. Opening the link changes nothing: a mail scanner that follows links must not
 * confirm a change for the reader. */
static int email_change_confirm_page(struct ctx *c)
{
	long long id, account;
	char to[256];
	const char *token = query_get(c->req, "token");
	int found = change_lookup(c->db, token, &id, &account, to, sizeof to);
	if (found < 0)
		return problem_unavailable(c, 1, "the link could not be checked; try again");
	c->res->model = json_object();
	if (!found) {
		reset_page_keys(c, "linkGone", json_true());
		return confirm_page(c, 404, NULL, NULL);
	}
	return confirm_page(c, 200, token, to);
}

/* Makes to (key: its email_key) the email of account, inside the caller's transaction:
 * every pending change and every reset link (they went to the old address) are void,
 * and the old address is told by e-mail. The caller has checked that no other account
 * has it. 0 or -1. */
static int email_switch(struct db *db, long long account, const char *to, const char *key)
{
	char old[256] = "";
	sqlite3_stmt *st = db_prep(db, "SELECT email FROM account WHERE id = ?");
	sqlite3_bind_int64(st, 1, account);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(old, sizeof old, "%s", (const char *)sqlite3_column_text(st, 0));
	db_done(st);
	st = db_prep(db, "UPDATE account SET email = ?, email_key = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                 "WHERE id = ?");
	db_bind_text(st, 1, to);
	db_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, account);
	if (!old[0] || db_run(st) != SQLITE_DONE || sqlite3_changes(db->h) != 1)
		return -1;
	st = db_prep(db, "INSERT INTO account_email(account_id, kind, to_addr, created_s) VALUES (?, 'email_changed', ?, ?)");
	sqlite3_bind_int64(st, 1, account);
	db_bind_text(st, 2, old);
	sqlite3_bind_int64(st, 3, now_s());
	if (db_run(st) != SQLITE_DONE)
		return -1;
	return changes_void(db, account) || resets_void(db, account) ? -1 : 0;
}

/* POST /account/email/confirm {"token"}: the new address becomes the account's (409 when
 * another account took it meanwhile). Every other pending change and every reset link
 * (sent to the old address) are void, and the old address is told of the change. The
 * answer (204) tells the link's holder nothing of the account. */
static int email_change_confirm(struct ctx *c)
{
	long long id = 0, account = 0;
	char to[256] = "", key[256];
	json_t *t = json_object_get(c->req->json, "token");
	const char *token = json_is_string(t) ? json_string_value(t) : NULL;
	int found = change_lookup(c->db, token, &id, &account, to, sizeof to);
	if (found <= 0)
		return change_gone(c, found);
	if (email_key(to, key, sizeof key))
		return change_gone(c, 0);
	if (db_begin(c->db))
		return confirm_page(c, problem_unavailable(c, 1, "the database is busy; try again"), token, to);
	sqlite3_stmt *st = db_prep(c->db, "UPDATE email_change SET used_s = ?1 WHERE id = ?2 AND used_s IS NULL "
	                                  "AND expires_s > ?1");
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, id);
	if (db_run(st) != SQLITE_DONE || sqlite3_changes(c->db->h) != 1) { /* used meanwhile, by a post in parallel */
		db_rollback(c->db);
		return change_gone(c, 0);
	}
	int taken = email_taken(c->db, key, account);
	if (taken) {
		db_rollback(c->db);
		return confirm_page(c, taken > 0 ? email_taken_problem(c)
		                                 : problem_unavailable(c, 1, "the database is busy; try again"), token, to);
	}
	if (email_switch(c->db, account, to, key) || db_commit(c->db)) {
		db_rollback(c->db);
		return confirm_page(c, problem_unavailable(c, 1, "the email could not be changed; try again"), token, to);
	}
	log_info("address change=%lld account=%lld: confirmed", id, account);
	char said[320]; /* whoever holds the link: nothing of the account but what it knows */
	snprintf(said, sizeof said, "Confirmed: %s is now the email of the account.", to);
	flash_or(c, said, "Confirmed: the new address is now the email of the account.");
	json_object_del(c->req->json, "token");
	if (c->req->body_is_form)
		response_header(c->res, "Location", "/account");
	return 204;
}

/* ---- pages ---- */

/* A local path to go back to after signing in ("/" when next is missing or foreign). */
static const char *next_target(struct ctx *c)
{
	const char *n = query_get(c->req, "next");
	return access_local_path(n) ? n : "/";
}

static int auth_page(struct ctx *c, const char *page, const char *title)
{
	c->res->model = json_pack("{s:{s:s}}", "form", "next", next_target(c));
	says_why(c->res->model, next_target(c));
	c->res->page = page;
	snprintf(c->res->title, sizeof c->res->title, "%s", title);
	return 200;
}

static int sign_in_page(struct ctx *c) { return auth_page(c, "sign_in", "Sign in"); }

static int sign_up_page(struct ctx *c) { return auth_page(c, "sign_up", "Create an account"); }

/* ---- operator commands ---- */

/* Sets the role of the account with email (case-insensitive); 0, or 1 when there is none. */
static int set_role(struct db *db, const char *email, const char *role)
{
	char key[256];
	if (email_key(email, key, sizeof key) || db_begin(db))
		return 1;
	sqlite3_stmt *st = db_prep(db, "UPDATE account SET role = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
	                               "WHERE email_key = ?");
	db_bind_text(st, 1, role);
	db_bind_text(st, 2, key);
	if (db_run(st) != SQLITE_DONE || db_commit(db)) {
		db_rollback(db);
		return 1;
	}
	return sqlite3_changes(db->h) > 0 ? 0 : 1;
}

/* Ends every session and token of the account with email at once; 0, or 1 when none. */
static int sign_out_everywhere(struct db *db, const char *email)
{
	char key[256];
	long long account = 0;
	if (email_key(email, key, sizeof key) || db_begin(db))
		return 1;
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM account WHERE email_key = ?");
	db_bind_text(st, 1, key);
	if (db_scalar_int(st, &account) != 1) { /* a mistyped email must not look like a sign-out */
		db_rollback(db);
		return 1;
	}
	st = db_prep(db, "UPDATE credential SET revoked_s = ?1 WHERE revoked_s IS NULL AND account_id = ?2");
	sqlite3_bind_int64(st, 1, now_s());
	sqlite3_bind_int64(st, 2, account);
	int revoked = db_run(st) == SQLITE_DONE ? sqlite3_changes(db->h) : -1;
	if (revoked < 0 || resets_void(db, account) || changes_void(db, account) ||
	    db_commit(db)) { /* and no reset link or address change lives on */
		db_rollback(db);
		return 1;
	}
	printf("%d credentials revoked\n", revoked);
	return 0;
}

/* Prints a link that chooses a new password for the account with email, for an
 * operator to hand to its owner (a site without e-mail, or one whose e-mail is lost);
 * 0, or 1 when there is no such account. */
static int reset_link_print(struct db *db, const char *email)
{
	char key[256], secret[TOKEN_CHARS + 1];
	long long account = 0;
	if (email_key(email, key, sizeof key) || db_begin(db))
		return 1;
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM account WHERE email_key = ?");
	db_bind_text(st, 1, key);
	if (db_scalar_int(st, &account) != 1 || reset_create(db, account, secret) < 0 || db_commit(db)) {
		db_rollback(db);
		return 1;
	}
	const char *site = config_str("SITE_URL", "");
	size_t n = strlen(site);
	while (n && site[n - 1] == '/')
		n--;
	printf("%.*s/password-reset/new?token=%s\n(works once, for %ld minutes)\n", (int)n, site, secret,
	       reset_ttl_minutes());
	explicit_bzero(secret, sizeof secret);
	return 0;
}

/* Gives the account with email the address to, for an operator who knows its owner (a
 * site without e-mail, or an owner whose mailbox is gone): as a confirmed change, the
 * old address is told and its reset links stop working. 0, 1 when there is no such
 * account (or the database is busy), 3 when to is not an address or is another's. */
static int email_set(struct db *db, const char *email, const char *to)
{
	char key[256], to_key[256];
	long long account = 0;
	if (email_key(to, to_key, sizeof to_key) || !mail_address_ok(to)) {
		fprintf(stderr, "accounts: %s is not an email address in plain letters\n", to);
		return 3;
	}
	if (email_key(email, key, sizeof key) || db_begin(db))
		return 1;
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM account WHERE email_key = ?");
	db_bind_text(st, 1, key);
	if (db_scalar_int(st, &account) != 1) {
		db_rollback(db);
		return 1;
	}
	int taken = email_taken(db, to_key, account);
	if (taken > 0 || strcmp(key, to_key) == 0) {
		db_rollback(db);
		fprintf(stderr, "accounts: %s\n", taken > 0 ? "another account has that email" : "the account has it already");
		return 3;
	}
	if (taken || email_switch(db, account, to, to_key) || db_commit(db)) {
		db_rollback(db);
		return 1;
	}
	printf("account %lld: email %s\n", account, to);
	return 0;
}

/* `accounts admin grant|revoke EMAIL`, `accounts sign-out-everywhere EMAIL`,
 * `accounts password-reset-link EMAIL`, `accounts set-email EMAIL NEW`: what an operator
 * does from the command line (the admin role is never granted over HTTP). */
static int accounts_command(struct db *db, int argc, char **argv)
{
	int rc = 2;
	if (argc == 3 && strcmp(argv[0], "admin") == 0 && strcmp(argv[1], "grant") == 0)
		rc = set_role(db, argv[2], "admin");
	else if (argc == 3 && strcmp(argv[0], "admin") == 0 && strcmp(argv[1], "revoke") == 0)
		rc = set_role(db, argv[2], "user");
	else if (argc == 2 && strcmp(argv[0], "sign-out-everywhere") == 0)
		rc = sign_out_everywhere(db, argv[1]);
	else if (argc == 2 && strcmp(argv[0], "password-reset-link") == 0)
		rc = reset_link_print(db, argv[1]);
	else if (argc == 3 && strcmp(argv[0], "set-email") == 0)
		rc = email_set(db, argv[1], argv[2]);
	if (rc == 2)
		fprintf(stderr, "usage: accounts admin grant|revoke EMAIL | accounts sign-out-everywhere EMAIL | "
		                "accounts password-reset-link EMAIL | accounts set-email EMAIL NEW\n");
	else if (rc == 1)
		fprintf(stderr, "accounts: no account with that email (or the database is busy)\n");
	return rc;
}

static const struct route routes[] = {
	{"GET", "/_auth", auth_check, "", ROUTE_AUTH},
	{"POST", "/accounts", accounts_create, "", ROUTE_PUBLIC},
	{"POST", "/sessions", sessions_create, "", ROUTE_PUBLIC},
	{"DELETE", "/sessions/current", sessions_delete_current, "", 0},
	{"DELETE", "/sessions/others", sessions_delete_others, "", 0},
	{"POST", "/account/sign-out-others", sessions_delete_others, "", 0},
	{"GET", "/account", account_get, "", 0},
	{"GET", "/account/tokens", tokens_list, "limit cursor", 0},
	{"POST", "/account/tokens", tokens_create, "", 0},
	{"DELETE", "/account/tokens/{id}", tokens_delete, "", 0},
	{"POST", "/account/tokens/{id}/delete", tokens_delete, "", 0},
	{"PATCH", "/account", account_update, "", 0},
	{"GET", "/account/edit", account_edit_page, "", ROUTE_PAGE},
	{"POST", "/account/edit", account_update, "", 0},
	{"GET", "/account/password", account_password_page, "", ROUTE_PAGE},
	{"POST", "/account/password", password_change, "", 0},
	{"GET", "/account/email", account_email_page, "", ROUTE_PAGE},
	{"POST", "/account/email", email_change_request, "", 0},
	{"GET", "/account/email/confirm", email_change_confirm_page, "token", ROUTE_PUBLIC | ROUTE_PAGE},
	{"POST", "/account/email/confirm", email_change_confirm, "", ROUTE_PUBLIC},
	{"GET", "/sign-in", sign_in_page, "next", ROUTE_PUBLIC | ROUTE_PAGE},
	{"POST", "/sign-in", sessions_create, "", ROUTE_PUBLIC},
	{"GET", "/sign-up", sign_up_page, "next", ROUTE_PUBLIC | ROUTE_PAGE},
	{"POST", "/sign-up", accounts_create, "", ROUTE_PUBLIC},
	{"POST", "/sign-out", sessions_delete_current, "", ROUTE_PUBLIC},
	{"GET", "/password-reset", password_reset_page, "", ROUTE_PUBLIC | ROUTE_PAGE},
	{"POST", "/password-reset", password_reset_request, "", ROUTE_PUBLIC},
	{"GET", "/password-reset/new", password_reset_choose, "token", ROUTE_PUBLIC | ROUTE_PAGE},
	{"POST", "/password-reset/new", password_reset_finish, "", ROUTE_PUBLIC},
	{"GET", "/internal/accounts/{id}", account_internal_get, "", ROUTE_INTERNAL},
};

const struct service accounts_service = {
	.name = "accounts",
	.routes = routes,
	.nroutes = sizeof routes / sizeof *routes,
	.command = accounts_command,
	.background = accounts_background,
};
