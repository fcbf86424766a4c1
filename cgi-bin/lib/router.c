/* router.c — the one place where a request meets its route: path match, method,
 * allowed query parameters, internal-only routes, idempotency keys. */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "browser.h"
#include "buf.h"
#include "db.h"
#include "idempotency.h"
#include "log.h"
#include "service.h"

/* Matches path against pattern, collecting {id} segments. Returns 1 on a match. */
static int path_match(const char *pattern, const char *path, long long ids[2], int *nids)
{
	*nids = 0;
	while (*pattern && *path) {
		if (strncmp(pattern, "{id}", 4) == 0) {
			const char *p = path;
			long long v = 0;
			if (*p < '1' || *p > '9')
				return 0;
			for (; *p >= '0' && *p <= '9'; p++) {
				if (v > (1LL << 53))
					return 0;
				v = v * 10 + (*p - '0');
			}
			if (*nids < 2)
				ids[(*nids)++] = v;
			path = p;
			pattern += 4;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *pattern == '\0' && *path == '\0';
}

static int param_allowed(const char *params, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = params; p && *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, key, n) == 0)
			return 1;
		p += len;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* A form post's one-time form token stands in for the Idempotency-Key header (a double
 * click books once). */
static void form_token_as_key(const struct route *r, struct ctx *c)
{
	json_t *once = json_object_get(c->req->json, FORM_TOKEN_FIELD);
	if ((r->flags & ROUTE_IDEMPOTENT) && c->req->body_is_form && !c->req->idem_key && json_is_string(once))
		c->req->idem_key = strdup(json_string_value(once));
}

/* The checks every route passes before its handler: forgery, then sign-in. */
static int admit(const struct route *r, struct ctx *c)
{
	int rc = access_forgery_check(c);
	if (rc)
		return rc;
	if (!(r->flags & (ROUTE_PUBLIC | ROUTE_INTERNAL | ROUTE_AUTH)) && c->req->account_id <= 0)
		return access_sign_in_first(c);
	form_token_as_key(r, c);
	return 0;
}

/* True when r is hidden from this caller (as if it did not exist). */
static int hidden(const struct route *r, const struct request *req)
{
	return ((r->flags & ROUTE_INTERNAL) && !req->internal) || ((r->flags & ROUTE_AUTH) && !req->auth_subrequest);
}

static int run_route(const struct service *svc, const struct route *r, struct ctx *c)
{
	int rc = admit(r, c); /* a script not signed in is told so (401) first, */
	if (rc)
		return c->res->status = rc;
	if (c->req->unreadable) /* then what is wrong with what it sent */
		return problem(c, c->req->unreadable, "%s", c->req->unreadable_why);
	int browser = c->req->wants_html || ((r->flags & ROUTE_PAGE) && request_takes_html(c->req));
	for (int i = 0; i < c->req->nq; i++)
		if (!param_allowed(r->params, c->req->q[i].key)) {
			if (!browser) /* a script is told of its typo */
				return problem(c, 400, "unknown query parameter '%s'", c->req->q[i].key);
			/* a link a browser followed picks up parameters on its way (a shared room's
			 * &fbclid=, a mail tracker's ?utm_source=): the page, as if they were not there */
			query_drop_at(c->req, i--);
		}
	if ((r->flags & ROUTE_PAGE) && !c->req->wants_html) { /* a page is HTML or nothing */
		if (!request_takes_html(c->req))
			return problem(c, 406, "%s is a page for browsers (text/html); the API is described in "
			                       "docs/api/openapi.yaml", c->req->path);
		c->req->wants_html = 1;
	}
	if (!(r->flags & ROUTE_IDEMPOTENT) || !c->req->idem_key)
		return c->res->status = r->handler(c);
	rc = idempotency_begin(c);
	if (rc && c->req->idem_replayed && svc->replayed)
		rc = svc->replayed(c, rc);
	if (rc)
		return c->res->status = rc;
	c->res->status = r->handler(c);
	db_rollback(c->db); /* a transaction a failing handler left open must not hold the key */
	(void)idempotency_finish(c); /* a failure is logged; the committed answer stands */
	return c->res->status;
}

int route_dispatch(const struct service *svc, struct ctx *c)
{
	struct buf allow = {0};
	const char *method = strcmp(c->req->method, "HEAD") == 0 ? "GET" : c->req->method;
	for (size_t i = 0; i < svc->nroutes; i++) {
		const struct route *r = &svc->routes[i];
		if (hidden(r, c->req))
			continue;
		if (!path_match(r->pattern, c->req->path, c->req->ids, &c->req->nids))
			continue;
		if (strcmp(r->method, method) == 0) {
			buf_free(&allow);
			c->req->route = r;
			return run_route(svc, r, c);
		}
		if (!strstr(buf_str(&allow), r->method))
			buf_printf(&allow, "%s%s", allow.len ? ", " : "", r->method);
	}
	if (allow.len) {
		if (strstr(buf_str(&allow), "GET"))
			buf_puts(&allow, ", HEAD");
		response_header(c->res, "Allow", "%s", buf_str(&allow));
		buf_free(&allow);
		return problem(c, 405, "%s is not allowed on %s", c->req->method, c->req->path);
	}
	return problem(c, 404, "no such resource: %s", c->req->path);
}
