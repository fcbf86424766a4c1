/* access.c — sign-in, ownership and cross-site forgery checks (SPEC §6). */
#include "access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "browser.h"
#include "buf.h"

int access_is(const struct request *r, long long owner)
{
	return r->account_id > 0 && (r->admin || r->account_id == owner);
}

int access_local_path(const char *s)
{
	if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\' || strlen(s) > MAX_LOCAL_PATH)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '\\')
			return 0;
	return 1;
}

/* Fields a sign-in detour may carry back to the form in the URL. */
static int carried_field(const char *key)
{
	return key[0] != '_' && strcmp(key, "card") != 0 && strcmp(key, "password") != 0;
}

/* Where a browser goes back to after signing in. */
static void return_target(const struct ctx *c, struct buf *out)
{
	const struct request *r = c->req;
	const char *back = json_string_value(json_object_get(r->json, "_back"));
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
		buf_puts(out, r->path);
		if (r->query && access_local_path(r->path))
			buf_printf(out, "?%s", r->query);
		return;
	}
	if (!access_local_path(back)) {
		buf_puts(out, "/");
		return;
	}
	buf_puts(out, back);
	const char *key;
	json_t *v;
	char sep = strchr(back, '?') ? '&' : '?';
	json_object_foreach(r->json, key, v) {
		if (!json_is_string(v) || !carried_field(key) || !*json_string_value(v))
			continue;
		char *k = url_encode(key), *e = url_encode(json_string_value(v));
		buf_printf(out, "%c%s=%s", sep, k, e);
		sep = '&';
		free(k);
		free(e);
	}
}

int access_sign_in_first(struct ctx *c)
{
	if (!c->req->wants_html) {
		response_header(c->res, "WWW-Authenticate", "Bearer realm=\"roombook\"");
		return problem(c, 401, "sign in first: send Authorization: Bearer <token> (POST /sessions gives one)");
	}
	struct buf target = {0};
	return_target(c, &target);
	if (!access_local_path(buf_str(&target))) {
		buf_free(&target);
		buf_puts(&target, "/");
	}
	char *next = url_encode(buf_str(&target));
	response_header(c->res, "Location", "/sign-in?next=%s", next);
	free(next);
	buf_free(&target);
	json_decref(c->res->model);
	c->res->model = NULL;
	return 303;
}

int access_list_scope(struct ctx *c, long long *account)
{
	*account = c->req->account_id;
	if (!c->req->admin)
		return 0;
	long long chosen = 0;
	int rc = query_int(c, "accountId", 1, 1LL << 53, &chosen);
	if (rc > 1)
		return rc;
	*account = chosen; /* 0: everyone's */
	return 0;
}

long long access_host_scope(const struct ctx *c, long long reservation)
{
	return reservation > 0 && !c->req->admin ? c->req->account_id : 0;
}

void access_hide_from_host(const struct ctx *c, json_t *items, const char *field)
{
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		if (!access_is(c->req, json_integer_value(json_object_get(item, "accountId"))))
			json_object_del(item, field);
	}
}

/* True when origin is this site: scheme and Host of the request. */
static int same_origin(const struct request *r)
{
	const char *scheme = r->https ? "https://" : "http://";
	size_t n = strlen(scheme);
	return r->host && strncmp(r->origin, scheme, n) == 0 && strcmp(r->origin + n, r->host) == 0;
}

static int token_equal(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (!a || n != 32 || strlen(a) != n)
		return 0;
	unsigned diff = 0; /* constant time */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return diff == 0;
}

int access_forgery_check(struct ctx *c)
{
	const struct request *r = c->req;
	char cookie[64], session[8];
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0 || r->internal)
		return 0;
	if ((r->origin && !same_origin(r)) || (r->fetch_site && strcmp(r->fetch_site, "cross-site") == 0))
		return problem(c, 403, "cross-site requests are refused");
	int has_session = cookie_get(r, SESSION_COOKIE, session, sizeof session);
	/* A form post is one labelled as a form, even with a JSON body (curl -d), unless it
	 * carries an Authorization header, which no browser form can set. */
	int bearer = r->authorization && strncasecmp(r->authorization, "Bearer ", 7) == 0;
	int form_post = r->body_is_form || (r->form_declared && !bearer);
	if (!form_post && !has_session)
		return 0; /* a script with a bearer token or nothing: no ambient credential to abuse */
	const char *sent = r->csrf_header ? r->csrf_header : json_string_value(json_object_get(r->json, CSRF_FIELD));
	if (!cookie_get(r, "csrf", cookie, sizeof cookie) || !token_equal(sent, cookie)) {
		if (!r->body_is_form && !has_session) /* most likely a script's JSON sent with curl -d */
			return problem(c, 403, "a form post must carry its form token: send JSON as "
			                       "Content-Type: application/json");
		return problem(c, 403, "this form has expired or did not come from Roombook; reload the page and try again");
	}
	return 0;
}
