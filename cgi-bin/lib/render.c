/* render.c — one renderer for both representations, so HTML and JSON never drift.
 * Browsers get the page template of the response (or the error page); a successful
 * form post gets 303 See Other (Post/Redirect/Get); everything else gets JSON. */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "browser.h"
#include "view.h"

static void write_head(struct buf *out, int status, const char *type, const struct response *res)
{
	buf_printf(out, "Status: %d %s\r\n", status, http_reason(status));
	if (type)
		buf_printf(out, "Content-Type: %s\r\n", type);
	buf_puts(out, "Cache-Control: no-store\r\n");
	buf_append(out, buf_str(&res->headers), res->headers.len);
}

static int is_problem(const json_t *model)
{
	return json_is_object(model) && json_object_get(model, "type") && json_object_get(model, "status") &&
	       json_object_get(model, "title");
}

static int is_form_post(const struct request *r)
{
	return r->body_is_form && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
}

/* Where a successful form post sends the browser: a local _next field, else the new
 * resource (Location), else the page it was posted to. */
static void redirect_target(const struct ctx *c, char *out, size_t size)
{
	json_t *next = json_object_get(c->req->json, "_next");
	const char *n = json_is_string(next) ? json_string_value(next) : NULL;
	const char *loc = strstr(buf_str(&c->res->headers), "Location: ");
	if (access_local_path(n))
		snprintf(out, size, "%s", n);
	else if (loc)
		snprintf(out, size, "%.*s", (int)strcspn(loc + 10, "\r"), loc + 10);
	else
		snprintf(out, size, "%s", c->req->path);
}

static void render_redirect(struct ctx *c, struct buf *out)
{
	char target[MAX_LOCAL_PATH + 1];
	struct buf kept = {0};
	redirect_target(c, target, sizeof target);
	for (const char *p = buf_str(&c->res->headers); *p;) { /* drop the resource's Location */
		size_t len = strcspn(p, "\n");
		len += p[len] ? 1 : 0;
		if (strncmp(p, "Location: ", 10) != 0)
			buf_append(&kept, p, len);
		p += len;
	}
	buf_free(&c->res->headers);
	c->res->headers = kept;
	if (c->res->flash[0])
		flash_set(c, c->res->flash);
	response_header(c->res, "Location", "%s", target);
	write_head(out, 303, NULL, c->res);
	buf_puts(out, "\r\n");
}

/* Renders an HTML page; returns 0, or -1 when the page has no template. */
static int render_html(struct ctx *c, struct buf *out, int status, int head_only)
{
	struct buf html = {0};
	const char *page = c->res->page;
	if (is_problem(c->res->model) && !(page && is_form_post(c->req)))
		page = "error";
	if (!page || view_render(page, c, &html) != 0) {
		buf_free(&html);
		return -1;
	}
	write_head(out, status, "text/html; charset=utf-8", c->res);
	buf_printf(out, "Content-Length: %zu\r\n\r\n", html.len);
	if (!head_only)
		buf_append(out, buf_str(&html), html.len);
	buf_free(&html);
	return 0;
}

void render(struct ctx *c, struct buf *out)
{
	struct response *res = c->res;
	int status = res->status ? res->status : 500;
	int head_only = strcmp(c->req->method, "HEAD") == 0;
	if (c->req->wants_html && status < 300 && is_form_post(c->req) && !res->show_page) {
		render_redirect(c, out);
		return;
	}
	if (res->text_type && status == 200) {
		write_head(out, status, res->text_type, res);
		buf_printf(out, "Content-Length: %zu\r\n\r\n", res->text.len);
		if (!head_only)
			buf_append(out, buf_str(&res->text), res->text.len);
		return;
	}
	if (status == 204 || (status >= 300 && status < 400 && !res->model)) {
		write_head(out, status, NULL, res);
		buf_puts(out, "\r\n");
		return;
	}
	if (c->req->wants_html && res->model && render_html(c, out, status, head_only) == 0)
		return;
	char *body = res->model ? json_dumps(res->model, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	size_t len = body ? strlen(body) : 0;
	write_head(out, status, is_problem(res->model) ? "application/problem+json" : "application/json", res);
	buf_printf(out, "Content-Length: %zu\r\n\r\n", len + 1);
	if (!head_only) {
		buf_append(out, body ? body : "", len);
		buf_puts(out, "\n");
	}
	free(body);
}
