/* fuzz_route.c — path routing: the request line's path and query through
 * request_check_text, request_parse_query and route_dispatch (path_match, methods,
 * allowed parameters, internal routes) against a route table of our own whose handler
 * only answers 200: no database is ever touched. Input: one byte choosing the method
 * (and the internal listener), then "path?query". */
#include "fuzz.h"
#include "http.h"
#include "service.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "G"};

/* A handler runs only on a match: every {id} it sees is a positive integer. */
static int answer_ok(struct ctx *c)
{
	FUZZ_ASSERT(c->req->nids >= 0 && c->req->nids <= 2);
	for (int i = 0; i < c->req->nids; i++)
		FUZZ_ASSERT(c->req->ids[i] >= 1);
	c->res->model = json_pack("{s:i}", "nids", c->req->nids);
	return 200;
}

static const struct route routes[] = {
	{"GET", "/rooms", answer_ok, "limit cursor", 0},
	{"POST", "/rooms", answer_ok, "", 0},
	{"GET", "/rooms/{id}", answer_ok, "", 0},
	{"PATCH", "/rooms/{id}", answer_ok, "", 0},
	{"DELETE", "/rooms/{id}", answer_ok, "", 0},
	{"GET", "/rooms/{id}/availability", answer_ok, "from to", 0},
	{"GET", "/rooms/{id}/reviews/{id}", answer_ok, "limit", 0},
	{"POST", "/reservations/{id}/cancel", answer_ok, "", 0},
	{"GET", "/check/chkAndReqReserve", answer_ok, "roomId", 0},
	{"POST", "/internal/holds/{id}", answer_ok, "", ROUTE_INTERNAL},
};

static const struct service fuzz_service = {.name = "fuzz", .routes = routes, .nroutes = sizeof routes / sizeof *routes};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct request r = {0};
	struct response res = {0};
	struct ctx c = {&r, &res, NULL, &fuzz_service};
	if (size == 0)
		return 0;
	snprintf(r.method, sizeof r.method, "%s", methods[data[0] & 7]);
	r.internal = (data[0] & 8) != 0;
	r.account_id = (data[0] & 16) ? 1 : 0; /* signed in, or nobody (401 on these routes) */
	r.path = fuzz_str(data + 1, size - 1);
	char *q = strchr(r.path, '?');
	if (q) {
		*q++ = '\0';
		r.query = strdup(q);
	}
	int rc = request_check_text(&r, err, sizeof err);
	if (!rc)
		rc = request_parse_query(&r, err, sizeof err);
	if (!rc) {
		rc = route_dispatch(&fuzz_service, &c);
		FUZZ_ASSERT(rc == 200 || rc == 400 || rc == 404 || rc == 405 || (rc == 401 && !r.account_id));
		FUZZ_ASSERT(rc != 405 || strstr(buf_str(&res.headers), "Allow: "));
		FUZZ_ASSERT(fuzz_model_sendable(res.model));
	}
	request_free(&r);
	response_free(&res);
	return 0;
}
