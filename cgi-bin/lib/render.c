/* render.c — one renderer for both representations, so HTML and JSON never drift. */
#include "render.h"

#include <stdlib.h>
#include <string.h>

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

void render(struct ctx *c, struct buf *out)
{
	struct response *res = c->res;
	int status = res->status ? res->status : 500;
	int head_only = strcmp(c->req->method, "HEAD") == 0;
	if (status == 204 || (status >= 300 && status < 400 && !res->model)) {
		write_head(out, status, NULL, res);
		buf_puts(out, "\r\n");
		return;
	}
	if (c->req->wants_html && res->model) {
		struct buf html = {0};
		const char *page = is_problem(res->model) ? "error" : res->page;
		if (page && view_render(page, c, &html) == 0) {
			write_head(out, status, "text/html; charset=utf-8", res);
			buf_printf(out, "Content-Length: %zu\r\n\r\n", html.len);
			if (!head_only)
				buf_append(out, buf_str(&html), html.len);
			buf_free(&html);
			return;
		}
		buf_free(&html);
	}
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
