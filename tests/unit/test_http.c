/* test_http.c — request parsing (query, bodies, cookies, credentials), content
 * negotiation, field validation, pagination parameters and date arithmetic of
 * cgi-bin/lib/http.c, and the escaping of what lib/log.c writes. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "browser.h"
#include "credential.h"
#include "http.h"
#include "idempotency.h"
#include "log.h"
#include "unit.h"

/* A request with a query string and/or a body of a content type, ready to parse. */
static void fill(struct request *r, const char *query, const char *content_type, const char *body)
{
	memset(r, 0, sizeof *r);
	snprintf(r->method, sizeof r->method, "POST");
	r->path = strdup("/things");
	r->query = query ? strdup(query) : NULL;
	r->content_type = content_type ? strdup(content_type) : NULL;
	if (body) {
		r->body = strdup(body);
		r->body_len = strlen(body);
	}
}

/* Parses query (and body) of a fresh request; returns the first nonzero status or 0. */
static int parse(struct request *r, const char *query, const char *content_type, const char *body)
{
	char err[256];
	fill(r, query, content_type, body);
	int rc = request_parse_query(r, err, sizeof err);
	return rc ? rc : request_parse_body(r, err, sizeof err);
}

static int query_status(const char *query)
{
	struct request r;
	int rc = parse(&r, query, NULL, NULL);
	request_free(&r);
	return rc;
}

static int body_status(const char *content_type, const char *body)
{
	struct request r;
	int rc = parse(&r, NULL, content_type, body);
	request_free(&r);
	return rc;
}

static void query_pairs_are_decoded(void)
{
	struct request r;
	CHECK(parse(&r, "name=Big+House&city=K%C3%B6ln&x%20y=1", NULL, NULL) == 0);
	CHECK(r.nq == 3);
	CHECK(query_get(&r, "name") && strcmp(query_get(&r, "name"), "Big House") == 0);
	CHECK(query_get(&r, "city") && strcmp(query_get(&r, "city"), "K\xc3\xb6ln") == 0);
	CHECK(query_get(&r, "x y") && strcmp(query_get(&r, "x y"), "1") == 0);
	CHECK(query_get(&r, "missing") == NULL);
	request_free(&r);
}

static void query_duplicate_key_is_400(void)
{
	CHECK(query_status("limit=1&limit=2") == 400);
	CHECK(query_status("a=1&b=2&a=1") == 400);
	char err[256] = "";
	struct request r;
	fill(&r, "cursor=1&cursor=1", NULL, NULL);
	CHECK(request_parse_query(&r, err, sizeof err) == 400);
	CHECK(strstr(err, "cursor") != NULL);
	CHECK(r.nq == 0 && r.q == NULL);
	request_free(&r);
}

static void query_malformed_escapes_are_400(void)
{
	CHECK(query_status("a=%zz") == 400);
	CHECK(query_status("a=%4") == 400);
	CHECK(query_status("a=%") == 400);
	CHECK(query_status("a=100%") == 400);
	CHECK(query_status("a=%00") == 400); /* a NUL byte is never a value */
	CHECK(query_status("%g1=x") == 400);
	CHECK(query_status("=x") == 400); /* no key */
	CHECK(query_status("a=%41%62") == 0);
}

static void query_empty_values_are_dropped(void)
{
	struct request r;
	CHECK(parse(&r, "customer=&status=confirmed&roomId", NULL, NULL) == 0);
	CHECK(r.nq == 1);
	CHECK(query_get(&r, "customer") == NULL);
	CHECK(query_get(&r, "roomId") == NULL);
	CHECK(strcmp(query_get(&r, "status"), "confirmed") == 0);
	request_free(&r);
	CHECK(parse(&r, "&&a=1&", NULL, NULL) == 0); /* stray separators are harmless */
	CHECK(r.nq == 1 && strcmp(query_get(&r, "a"), "1") == 0);
	request_free(&r);
	CHECK(query_status("") == 0);
	CHECK(query_status(NULL) == 0);
}

static void json_body_is_parsed(void)
{
	struct request r;
	CHECK(parse(&r, NULL, "application/json; charset=utf-8", " {\"name\":\"Loft\",\"capacity\":3} ") == 0);
	CHECK(json_is_object(r.json) && !r.body_is_form);
	CHECK(json_integer_value(json_object_get(r.json, "capacity")) == 3);
	CHECK(strcmp(json_string_value(json_object_get(r.json, "name")), "Loft") == 0);
	request_free(&r);
	CHECK(parse(&r, NULL, "application/problem+json", "{}") == 0);
	request_free(&r);
	CHECK(parse(&r, NULL, " Application/Merge-Patch+JSON ; charset=utf-8", "{}") == 0);
	request_free(&r);
}

static void empty_body_is_an_empty_object(void)
{
	struct request r;
	CHECK(parse(&r, NULL, NULL, NULL) == 0);
	CHECK(json_is_object(r.json) && json_object_size(r.json) == 0);
	request_free(&r);
	CHECK(parse(&r, NULL, "text/plain", "  \n") == 0); /* whitespace only: nothing sent */
	CHECK(json_is_object(r.json) && json_object_size(r.json) == 0);
	request_free(&r);
}

static void malformed_json_is_400(void)
{
	char err[256] = "";
	struct request r;
	fill(&r, NULL, "application/json", "{\"name\": ");
	CHECK(request_parse_body(&r, err, sizeof err) == 400);
	CHECK(strstr(err, "malformed JSON") != NULL);
	CHECK(r.json == NULL);
	request_free(&r);
	CHECK(body_status("application/json", "{name: 1}") == 400);
	CHECK(body_status("application/json", "{\"a\":1} trailing") == 400);
	CHECK(body_status("application/json", "{\"a\":\"x\\u0000\"}") == 400); /* NUL in a string */
}

static void duplicate_json_keys_are_400(void)
{
	CHECK(body_status("application/json", "{\"rating\":1,\"rating\":5}") == 400);
	CHECK(body_status("application/json", "{\"a\":{\"b\":1,\"b\":2}}") == 400);
}

static void json_that_is_not_an_object_is_400(void)
{
	char err[256] = "";
	struct request r;
	fill(&r, NULL, "application/json", "[1,2]");
	CHECK(request_parse_body(&r, err, sizeof err) == 400);
	CHECK(strstr(err, "JSON object") != NULL);
	CHECK(r.json == NULL);
	request_free(&r);
	CHECK(body_status("application/json", "42") == 400);
	CHECK(body_status("application/json", "\"text\"") == 400);
	CHECK(body_status("application/json", "null") == 400);
}

static void form_body_values_are_strings(void)
{
	struct request r;
	CHECK(parse(&r, NULL, "application/x-www-form-urlencoded", "name=Sea+View&capacity=4&desc=") == 0);
	CHECK(r.body_is_form);
	CHECK(strcmp(json_string_value(json_object_get(r.json, "name")), "Sea View") == 0);
	CHECK(json_is_string(json_object_get(r.json, "capacity")));
	CHECK(strcmp(json_string_value(json_object_get(r.json, "capacity")), "4") == 0);
	request_free(&r);
	CHECK(body_status("application/x-www-form-urlencoded", "a=1&a=2") == 400);
	CHECK(body_status("application/x-www-form-urlencoded", "a=%zz") == 400);
}

static void json_sent_as_form_is_json(void)
{
	struct request r; /* what `curl -d '{...}'` sends */
	CHECK(parse(&r, NULL, "application/x-www-form-urlencoded", "{\"roomId\":1,\"guests\":2}") == 0);
	CHECK(!r.body_is_form);
	CHECK(json_integer_value(json_object_get(r.json, "guests")) == 2);
	request_free(&r);
	CHECK(parse(&r, NULL, NULL, "{\"roomId\":1}") == 0); /* no content type at all */
	CHECK(json_integer_value(json_object_get(r.json, "roomId")) == 1);
	request_free(&r);
	CHECK(body_status("application/x-www-form-urlencoded", "{\"a\":1,\"a\":2}") == 400);
}

static void unsupported_content_type_is_415(void)
{
	char err[256] = "";
	struct request r;
	fill(&r, NULL, "text/plain", "hello");
	CHECK(request_parse_body(&r, err, sizeof err) == 415);
	CHECK(strstr(err, "application/json") != NULL);
	request_free(&r);
	CHECK(body_status("application/xml", "<a/>") == 415);
	CHECK(body_status("multipart/form-data; boundary=x", "--x--") == 415);
	CHECK(body_status(NULL, "name=x") == 415);
	CHECK(body_status("application/jsonx", "{}") == 415);
	/* "+json" only counts as the media type's suffix, never in a parameter or elsewhere:
	 * a cross-site page may send text/plain without a preflight */
	CHECK(body_status("text/plain; a=+json", "{}") == 415);
	CHECK(body_status("text/plain;+json", "{}") == 415);
	CHECK(body_status("+json", "{}") == 415);
	CHECK(body_status("application/+json", "{}") == 415);
	CHECK(body_status("application/x+jsonp", "{}") == 415);
}

/* A number no integer or double holds, in a well-formed object: the body parses, the
 * members of the object that held one are named in r.overflowed, and a field read that
 * way is out of range (422) while one nothing reads is ignored (SPEC §3's unknown
 * fields). Malformed JSON around it, or a body that is not an object: 400. */
static void numbers_out_of_range_are_named_only_in_well_formed_objects(void)
{
	static const struct {
		const char *body, *named; /* the members named, space-separated */
		int status;
	} cases[] = {
		{"{\"price\":99999999999999999999999}", "price", 0},
		{"{\"a\":1, \"b\" :\t-1e400 , \"c\":[1e999]}", "b", 0},
		{"{\"a\":1e400,\"b\":2e400,\"c\":3e400,\"d\":4e400}", "a b c d", 0},
		{"{\"k\\\"q\":1e400}", "k\"q", 0},             /* a name with escapes: decoded */
		{"{\"pr\\u0069ce\":1e400}", "price", 0},
		{"{\"a\\u0000b\":1e400}", "", 400},             /* a NUL in a name: malformed (jansson) */
		{"{\"a\":\"x\", \"b\":1e400}", "b", 0},
		{"{\"a\":[1e400]}", "", 0},                   /* not a member's value */
		{"{\"a\":{\"capacity\":1e400},\"capacity\":3}", "", 0}, /* a member deeper down */
		{"{\"s\":\"{\\\"x\\\":\", \"t\":1e400}", "t", 0},        /* brackets in a string */
		{"{\"a\":1e400", "", 400},                    /* broken after it */
		{"{\"a\":1e400,}", "", 400},
		{"[1, {\"a\":1e400}]", "", 400},              /* not an object */
		{"1e400", "", 400},
		{"{\"\":1e400}", "", 0},                      /* an empty name: nothing to read */
		{"{\"a\":1-1e400}", "", 400},                 /* no one number: malformed */
		{"{\"price\":5-99999999999999999999999}", "", 400},
		{"{\"a\":1e5-1e400}", "", 400},
		{"{\"a\":1e400,\"b\":[1-1e400]}", "", 400},    /* a later one malformed */
		{"{\"a\":01e400}", "", 400},
		{"{\"a\":-0.5e400, \"b\":[2e400]}", "a", 0},
		{"{\"a\":\"x\" ,\"b\":\n99999999999999999999999}", "b", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct request r;
		int rc = parse(&r, NULL, "application/json", cases[i].body);
		char named[256] = "";
		for (int k = 0; rc == 0 && k < r.n_overflowed; k++)
			snprintf(named + strlen(named), sizeof named - strlen(named), "%s%s", k ? " " : "", r.overflowed[k]);
		CHECK(rc == cases[i].status && strcmp(named, cases[i].named) == 0);
		if (rc != cases[i].status || strcmp(named, cases[i].named) != 0)
			fprintf(stderr, "  case %zu: %s -> %d [%s]\n", i, cases[i].body, rc, named);
		CHECK(rc != 0 || json_is_object(r.json));
		CHECK(rc == 0 || r.json == NULL);
		request_free(&r);
	}
	/* read: out of range, whatever the field's type; not read: ignored */
	struct request r;
	struct response res = {0};
	struct ctx c = {&r, &res, NULL, NULL};
	CHECK(parse(&r, NULL, "application/json", "{\"capacity\":1e999,\"name\":-1e999,\"trackingId\":123456789012345678901234}") == 0);
	json_t *errors = json_array();
	long long n = 7;
	const char *s = NULL;
	CHECK(body_int(&c, errors, "capacity", 1, 10, &n) == -1 && n == 7);
	CHECK(body_str(&c, errors, "name", 200, &s) == -1 && !s);
	CHECK(body_line(&c, errors, "name", 200, &s) == -1 && !s);
	CHECK(json_array_size(errors) == 3);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(errors, 0), "message")), "is out of range") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(errors, 1), "field")), "name") == 0);
	CHECK(json_is_object(json_object_get(r.json, "trackingId"))); /* there, as nothing any field accepts */
	json_decref(errors);
	request_free(&r);
}

/* A name with a bidirectional override, embedding or isolate would read to the host in
 * another order than typed: refused; right-to-left text itself, and its marks, are not. */
static void names_refuse_direction_overrides(void)
{
	static const struct {
		const char *body;
		int ok;
	} cases[] = {
		{"{\"name\":\"Ann\\u202eevil\"}", 0}, {"{\"name\":\"a\\u202ab\"}", 0}, {"{\"name\":\"a\\u2066b\\u2069\"}", 0},
		{"{\"name\":\"x\\u2069\"}", 0},       {"{\"name\":\"\\u05e9\\u05dc\\u05d5\\u05dd\"}", 1},
		{"{\"name\":\"a\\u200fb\"}", 1},      {"{\"name\":\"\\u2065\\u206a\\u2029x\\u202f\"}", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct request r;
		struct response res = {0};
		struct ctx c = {&r, &res, NULL, NULL};
		CHECK(parse(&r, NULL, "application/json", cases[i].body) == 0);
		json_t *errors = json_array();
		const char *s = NULL;
		int rc = body_line(&c, errors, "name", 200, &s);
		if ((rc == 1) != cases[i].ok)
			fprintf(stderr, "  case %zu: %s -> %d\n", i, cases[i].body, rc);
		CHECK((rc == 1) == cases[i].ok && (json_array_size(errors) == 0) == cases[i].ok);
		json_decref(errors);
		request_free(&r);
	}
}

static void body_with_nul_byte_is_400(void)
{
	char err[256] = "";
	struct request r;
	fill(&r, NULL, "application/json", "{}");
	free(r.body);
	r.body = malloc(6);
	memcpy(r.body, "{}\0{}", 6);
	r.body_len = 5;
	CHECK(request_parse_body(&r, err, sizeof err) == 400);
	request_free(&r);
}

static void body_with_leading_nul_is_400(void)
{
	char err[256] = "";
	struct request r;
	fill(&r, NULL, "application/json", "{}");
	free(r.body);
	r.body = malloc(4);
	memcpy(r.body, "\0{}", 4);
	r.body_len = 3;
	CHECK(request_parse_body(&r, err, sizeof err) == 400); /* was {} and then a 422 */
	CHECK(strstr(err, "NUL") != NULL);
	request_free(&r);
}

static int wants_html(const char *accept)
{
	struct request r = {0};
	r.accept = accept ? strdup(accept) : NULL;
	request_negotiate(&r);
	int html = r.wants_html;
	request_free(&r);
	return html;
}

static void browsers_get_html(void)
{
	CHECK(wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
	CHECK(wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
	                 "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"));
	CHECK(wants_html("text/html"));
	CHECK(wants_html("TEXT/HTML;q=0.9, application/json;q=0.5"));
	CHECK(wants_html("text/*")); /* HTML is the text this site has */
	CHECK(wants_html("text/*, */*;q=0.5"));
	CHECK(wants_html("text/html;q=0.9, application/*;q=0.8"));
}

static void scripts_get_json(void)
{
	CHECK(!wants_html(NULL));
	CHECK(!wants_html("*/*")); /* curl */
	CHECK(!wants_html("application/json"));
	CHECK(!wants_html("application/problem+json"));
	CHECK(!wants_html("application/json, text/html;q=0.5"));
	CHECK(!wants_html("text/html;q=0.5, */*"));
	CHECK(!wants_html("text/html;q=0"));
	CHECK(!wants_html("text/plain"));
	CHECK(!wants_html("application/*"));
	CHECK(!wants_html("text/html;q=0.8, application/*;q=0.9")); /* any application type covers JSON */
	CHECK(!wants_html("text/*;q=0.5, application/json"));
	CHECK(!wants_html("text/*;q=0"));
}

/* A context around a JSON or form body for the field readers. */
struct field_ctx {
	struct request req;
	struct response res;
	struct ctx c;
	json_t *errors;
};

static void field_ctx_init(struct field_ctx *f, const char *content_type, const char *body)
{
	char err[256];
	fill(&f->req, NULL, content_type, body);
	memset(&f->res, 0, sizeof f->res);
	f->c = (struct ctx){&f->req, &f->res, NULL, NULL};
	f->errors = json_array();
	if (request_parse_body(&f->req, err, sizeof err))
		fprintf(stderr, "  body did not parse: %s\n", err);
}

static void field_ctx_free(struct field_ctx *f)
{
	json_decref(f->errors);
	request_free(&f->req);
	response_free(&f->res);
}

/* The message of the last field error, "" when none. */
static const char *last_error(const struct field_ctx *f, const char *field)
{
	json_t *e = json_array_get(f->errors, json_array_size(f->errors) - 1);
	if (!e || strcmp(json_string_value(json_object_get(e, "field")), field) != 0)
		return "";
	return json_string_value(json_object_get(e, "message"));
}

static void body_int_reads_integers_in_range(void)
{
	struct field_ctx f;
	long long n = -1;
	field_ctx_init(&f, "application/json", "{\"a\":5,\"b\":0,\"c\":11,\"d\":null}");
	CHECK(body_int(&f.c, f.errors, "a", 1, 10, &n) == 1 && n == 5);
	n = -1;
	CHECK(body_int(&f.c, f.errors, "b", 1, 10, &n) == -1 && n == -1);
	CHECK(strstr(last_error(&f, "b"), "between 1 and 10") != NULL);
	CHECK(body_int(&f.c, f.errors, "c", 1, 10, &n) == -1);
	CHECK(body_int(&f.c, f.errors, "d", 1, 10, &n) == 0); /* null: as if absent */
	CHECK(body_int(&f.c, f.errors, "zz", 1, 10, &n) == 0 && n == -1);
	CHECK(json_array_size(f.errors) == 2);
	field_ctx_free(&f);
}

static void body_int_rejects_wrong_types(void)
{
	struct field_ctx f;
	long long n = 7;
	field_ctx_init(&f, "application/json",
	               "{\"s\":\"5\",\"r\":2.5,\"t\":true,\"o\":{},\"a\":[1]}");
	const char *fields[] = {"s", "r", "t", "o", "a"};
	for (int i = 0; i < 5; i++) {
		CHECK(body_int(&f.c, f.errors, fields[i], 0, 100, &n) == -1);
		CHECK(strcmp(last_error(&f, fields[i]), "must be an integer") == 0);
	}
	CHECK(n == 7 && json_array_size(f.errors) == 5);
	field_ctx_free(&f);
}

static void form_numbers_are_strings_that_parse(void)
{
	struct field_ctx f;
	long long n = 0;
	field_ctx_init(&f, "application/x-www-form-urlencoded", "guests=3&nights=abc&price=&neg=-2&sp=+4&big=99999999999999999999");
	CHECK(body_int(&f.c, f.errors, "guests", 1, 10, &n) == 1 && n == 3);
	CHECK(body_int(&f.c, f.errors, "nights", 1, 30, &n) == -1);
	CHECK(strcmp(last_error(&f, "nights"), "must be a whole number") == 0);
	CHECK(body_int(&f.c, f.errors, "price", 0, 100, &n) == 0); /* a blank form field */
	CHECK(body_int(&f.c, f.errors, "neg", 0, 100, &n) == -1);
	CHECK(body_int(&f.c, f.errors, "sp", 0, 100, &n) == -1); /* "+4" decodes to " 4" */
	CHECK(body_int(&f.c, f.errors, "big", 0, 100, &n) == -1);
	CHECK(json_array_size(f.errors) == 4);
	field_ctx_free(&f);
}

static void body_str_trims_and_limits(void)
{
	struct field_ctx f;
	const char *s = NULL;
	field_ctx_init(&f, "application/json",
	               "{\"name\":\"  Loft\",\"blank\":\"   \",\"num\":3,\"long\":\"abcdef\"}");
	CHECK(body_str(&f.c, f.errors, "name", 10, &s) == 1 && strcmp(s, "Loft") == 0);
	s = NULL;
	CHECK(body_str(&f.c, f.errors, "blank", 10, &s) == 0 && s == NULL);
	CHECK(body_str(&f.c, f.errors, "num", 10, &s) == -1);
	CHECK(strcmp(last_error(&f, "num"), "must be a string") == 0);
	CHECK(body_str(&f.c, f.errors, "long", 5, &s) == -1);
	CHECK(strstr(last_error(&f, "long"), "at most 5") != NULL);
	CHECK(body_str(&f.c, f.errors, "long", 6, &s) == 1);
	CHECK(body_str(&f.c, f.errors, "absent", 10, &s) == 0);
	CHECK(json_array_size(f.errors) == 2);
	field_ctx_free(&f);
}

static void body_date_accepts_only_calendar_dates(void)
{
	struct field_ctx f;
	const char *d = NULL;
	field_ctx_init(&f, "application/json",
	               "{\"ok\":\"2024-02-29\",\"notleap\":\"2023-02-29\",\"long\":\"2024-02-290\","
	               "\"num\":20240229,\"fmt\":\"29.02.2024\"}");
	CHECK(body_date(&f.c, f.errors, "ok", &d) == 1 && strcmp(d, "2024-02-29") == 0);
	CHECK(body_date(&f.c, f.errors, "notleap", &d) == -1);
	CHECK(strcmp(last_error(&f, "notleap"), "is not a date of the calendar (no such day in that month)") == 0);
	CHECK(body_date(&f.c, f.errors, "long", &d) == -1);
	CHECK(strcmp(last_error(&f, "long"), "must be a date as YYYY-MM-DD") == 0);
	CHECK(body_date(&f.c, f.errors, "num", &d) == -1);
	CHECK(body_date(&f.c, f.errors, "fmt", &d) == -1);
	CHECK(body_date(&f.c, f.errors, "absent", &d) == 0);
	CHECK(json_array_size(f.errors) == 4); /* one error per bad field, never two */
	field_ctx_free(&f);
}

static void problem_validation_lists_errors(void)
{
	struct field_ctx f;
	long long n;
	field_ctx_init(&f, "application/json", "{\"capacity\":\"x\"}");
	body_int(&f.c, f.errors, "capacity", 1, 10, &n);
	CHECK(problem_validation(&f.c, f.errors) == 422);
	f.errors = NULL; /* stolen */
	CHECK(f.res.status == 422);
	CHECK(json_integer_value(json_object_get(f.res.model, "status")) == 422);
	CHECK(strcmp(json_string_value(json_object_get(f.res.model, "title")), "Unprocessable Content") == 0);
	json_t *errors = json_object_get(f.res.model, "errors");
	CHECK(json_array_size(errors) == 1);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "capacity") == 0);
	field_ctx_free(&f);
}

static void problem_unavailable_sets_retry_after(void)
{
	struct field_ctx f;
	field_ctx_init(&f, NULL, NULL);
	CHECK(problem_unavailable(&f.c, 0, "down") == 503);
	CHECK(strstr(buf_str(&f.res.headers), "Retry-After: 1\r\n") != NULL);
	CHECK(strcmp(json_string_value(json_object_get(f.res.model, "detail")), "down") == 0);
	field_ctx_free(&f);
}

/* page_params on a query; returns its status and the values read. */
static int paging(const char *query, long long *limit, long long *cursor)
{
	struct field_ctx f;
	char err[256];
	field_ctx_init(&f, NULL, NULL);
	f.req.query = query ? strdup(query) : NULL;
	int rc = request_parse_query(&f.req, err, sizeof err);
	if (!rc)
		rc = page_params(&f.c, limit, cursor);
	if (rc)
		CHECK(json_integer_value(json_object_get(f.res.model, "status")) == rc);
	field_ctx_free(&f);
	return rc;
}

static void page_params_validate_limit_and_cursor(void)
{
	long long limit, cursor;
	CHECK(paging(NULL, &limit, &cursor) == 0 && limit == 20 && cursor == 0);
	CHECK(paging("limit=100&cursor=42", &limit, &cursor) == 0 && limit == 100 && cursor == 42);
	CHECK(paging("limit=1", &limit, &cursor) == 0 && limit == 1);
	CHECK(paging("limit=0", &limit, &cursor) == 400);
	CHECK(paging("limit=101", &limit, &cursor) == 400);
	CHECK(paging("limit=abc", &limit, &cursor) == 400);
	CHECK(paging("limit=5x", &limit, &cursor) == 400);
	CHECK(paging("cursor=abc", &limit, &cursor) == 400);
	CHECK(paging("cursor=0", &limit, &cursor) == 400);
	CHECK(paging("cursor=-3", &limit, &cursor) == 400);
	CHECK(paging("cursor=99999999999999999999999", &limit, &cursor) == 400); /* not LLONG_MAX */
	CHECK(paging("cursor=9223372036854775807", &limit, &cursor) == 0 && cursor == 9223372036854775807LL);
	CHECK(paging("cursor=9223372036854775808", &limit, &cursor) == 400);
	CHECK(paging("limit=99999999999999999999999", &limit, &cursor) == 400);
}

static void page_reply_trims_and_links(void)
{
	struct field_ctx f;
	char err[256];
	field_ctx_init(&f, NULL, NULL);
	f.req.query = strdup("limit=2&status=a%20b");
	request_parse_query(&f.req, err, sizeof err);
	json_t *items = json_pack("[{s:i},{s:i},{s:i}]", "id", 1, "id", 2, "id", 3);
	CHECK(page_reply(&f.c, items, 2, "id") == 200);
	CHECK(json_array_size(json_object_get(f.res.model, "items")) == 2);
	CHECK(strcmp(json_string_value(json_object_get(f.res.model, "nextCursor")), "2") == 0);
	CHECK(strstr(buf_str(&f.res.headers), "Link: </things?limit=2&status=a%20b&cursor=2>; rel=\"next\"") != NULL);
	field_ctx_free(&f);

	field_ctx_init(&f, NULL, NULL);
	CHECK(page_reply(&f.c, json_pack("[{s:i}]", "id", 1), 2, "id") == 200);
	CHECK(json_is_null(json_object_get(f.res.model, "nextCursor")));
	CHECK(f.res.headers.len == 0);
	field_ctx_free(&f);
}

/* page_reply_rows: the same answer and Link header as page_reply, written from the rows
 * of a statement after the start the caller put in the body. */
static void page_reply_rows_trims_and_links(void)
{
	struct field_ctx f;
	char err[256];
	sqlite3 *h;
	sqlite3_stmt *st;
	CHECK(sqlite3_open(":memory:", &h) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(h, "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < ?1) "
	                            "SELECT v AS id, 'n' || v AS name FROM s", -1, &st, NULL) == SQLITE_OK);
	field_ctx_init(&f, NULL, NULL);
	f.req.query = strdup("limit=2&status=a%20b");
	request_parse_query(&f.req, err, sizeof err);
	sqlite3_bind_int(st, 1, 3);
	buf_puts(&f.res.text, "{\"items\":");
	CHECK(page_reply_rows(&f.c, st, 2, "id", NULL) == 200 && f.res.status == 200);
	CHECK(strcmp(buf_str(&f.res.text), "{\"items\":[{\"id\":1,\"name\":\"n1\"},{\"id\":2,\"name\":\"n2\"}],"
	                                   "\"nextCursor\":\"2\"}\n") == 0);
	CHECK(f.res.text_type && strcmp(f.res.text_type, "application/json") == 0);
	CHECK(strstr(buf_str(&f.res.headers), "Link: </things?limit=2&status=a%20b&cursor=2>; rel=\"next\"") != NULL);
	field_ctx_free(&f);

	field_ctx_init(&f, NULL, NULL);
	sqlite3_bind_int(st, 1, 1);
	buf_puts(&f.res.text, "{\"items\":");
	CHECK(page_reply_rows(&f.c, st, 2, "id", NULL) == 200);
	CHECK(strcmp(buf_str(&f.res.text), "{\"items\":[{\"id\":1,\"name\":\"n1\"}],\"nextCursor\":null}\n") == 0);
	CHECK(f.res.headers.len == 0);
	field_ctx_free(&f);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* percent_decode on a C string; returns its result, the text decoded into out. */
static long decode(const char *s, int plus_is_space, char out[64])
{
	memset(out, 'X', 64);
	return percent_decode(s, strlen(s), plus_is_space, out);
}

static void percent_decode_needs_two_hex_digits(void)
{
	char out[64];
	CHECK(decode("K%C3%b6ln+x%2B", 1, out) == 8 && strcmp(out, "K\xc3\xb6ln x+") == 0);
	CHECK(decode("a+b", 0, out) == 3 && strcmp(out, "a+b") == 0);
	CHECK(decode("", 0, out) == 0 && out[0] == '\0');
	const char *bad[] = {"%", "%4", "ab%4", "ab%", "%4g", "%g4", "%%41", "%00", "x%00y", "% 41"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(decode(bad[i], 0, out) == -1);
		CHECK(out[0] == '\0');
	}
	/* the end is the length given, not the NUL: "%4" followed by '1' outside the span */
	CHECK(percent_decode("%41", 2, 0, out) == -1);
}

/* A context whose request carries a Cookie header. */
static void cookie_ctx_init(struct field_ctx *f, const char *cookie)
{
	field_ctx_init(f, NULL, NULL);
	f->req.cookie = strdup(cookie);
}

static const char *customer_from_cookie(const char *cookie, char out[256])
{
	struct field_ctx f;
	cookie_ctx_init(&f, cookie);
	char who[256];
	int found = cookie_get_decoded(&f.req, "customer", who, sizeof who);
	snprintf(out, 256, "%s", found ? who : "(none)");
	field_ctx_free(&f);
	return out;
}

static void cookies_that_do_not_decode_are_absent(void)
{
	char who[256];
	CHECK(strcmp(customer_from_cookie("customer=K%C3%B6ln%20Guest", who), "K\xc3\xb6ln Guest") == 0);
	CHECK(strcmp(customer_from_cookie("a=1; customer=Ann", who), "Ann") == 0);
	CHECK(strcmp(customer_from_cookie("customer=Ann%4", who), "(none)") == 0); /* read past the end */
	CHECK(strcmp(customer_from_cookie("customer=Ann%", who), "(none)") == 0);
	CHECK(strcmp(customer_from_cookie("customer=%00Ann", who), "(none)") == 0);
	CHECK(strcmp(customer_from_cookie("customer=%ff%fe", who), "(none)") == 0); /* not UTF-8 */
	char raw[600] = "customer=";
	memset(raw + 9, 'a', 400); /* decodes, but longer than the identity holds */
	CHECK(strcmp(customer_from_cookie(raw, who), "(none)") == 0);
}

static void flash_cookie_that_does_not_decode_is_dropped(void)
{
	char msg[256];
	struct field_ctx f;
	cookie_ctx_init(&f, "flash=Room%20saved%2");
	CHECK(flash_take(&f.c, msg, sizeof msg) == 0 && msg[0] == '\0');
	CHECK(strstr(buf_str(&f.res.headers), "flash=; ") != NULL); /* cleared all the same */
	field_ctx_free(&f);
	cookie_ctx_init(&f, "flash=Room%20saved");
	CHECK(flash_take(&f.c, msg, sizeof msg) == 1 && strcmp(msg, "Room saved") == 0);
	field_ctx_free(&f);
}

static int check_text(const char *path, const char *cookie)
{
	char err[256] = "";
	struct request r;
	fill(&r, NULL, NULL, NULL);
	free(r.path);
	r.path = strdup(path);
	r.cookie = cookie ? strdup(cookie) : NULL;
	int rc = request_check_text(&r, err, sizeof err);
	CHECK(rc == 0 || err[0]);
	request_free(&r);
	return rc;
}

/* The path must be UTF-8; a cookie that is not is absent, the request and the other
 * cookies go on (any site on the host may set one: refusing would lock visitors out). */
static void path_must_be_utf8_and_a_cookie_that_is_not_is_absent(void)
{
	CHECK(check_text("/rooms/K\xc3\xb6ln", "customer=K\xc3\xb6ln") == 0);
	CHECK(check_text("/rooms", NULL) == 0);
	CHECK(check_text("/rooms/\xff", NULL) == 400);
	CHECK(check_text("/rooms", "customer=\xc3") == 0);
	CHECK(check_text("/rooms", "a=1; b=\xed\xa0\x80") == 0); /* a UTF-16 surrogate */
	CHECK(query_status("customer=%ff%fe") == 400);        /* decoded query values too */
	struct request r;
	char out[64];
	fill(&r, NULL, NULL, NULL);
	r.cookie = strdup("b=\xed\xa0\x80; theme=x\xff; a=K%C3%B6ln");
	CHECK(!cookie_get_decoded(&r, "b", out, sizeof out) && !cookie_get_decoded(&r, "theme", out, sizeof out));
	CHECK(cookie_get_decoded(&r, "a", out, sizeof out) && strcmp(out, "K\xc3\xb6ln") == 0);
	request_free(&r);
}

static void request_ids_are_what_the_gateway_lets_through(void)
{
	CHECK(request_id_valid("a"));
	CHECK(request_id_valid("0123456789abcdef0123456789abcdef"));
	CHECK(request_id_valid("client-1.2_3"));
	char long_id[66];
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	CHECK(!request_id_valid(long_id));
	long_id[64] = '\0';
	CHECK(request_id_valid(long_id));
	CHECK(!request_id_valid(""));
	CHECK(!request_id_valid(NULL));
	CHECK(!request_id_valid("abc\nINFO forged"));
	CHECK(!request_id_valid("a b"));
	CHECK(!request_id_valid("caf\xc3\xa9"));
}

static void idempotency_keys_are_printable_and_bounded(void)
{
	char key[258];
	CHECK(idempotency_key_valid("booking-key-1"));
	CHECK(idempotency_key_valid("a b/c=d"));
	CHECK(!idempotency_key_valid(""));
	CHECK(!idempotency_key_valid(NULL));
	CHECK(!idempotency_key_valid("key\r\nX: 1"));
	CHECK(!idempotency_key_valid("k\x7f"));
	CHECK(!idempotency_key_valid("cl\xc3\xa9"));
	memset(key, 'k', 256);
	key[256] = '\0';
	CHECK(!idempotency_key_valid(key));
	key[255] = '\0';
	CHECK(idempotency_key_valid(key));
}

static int bearer(const char *header, char out[160])
{
	memset(out, 'X', 160);
	return credential_bearer(header, out, 160);
}

static void bearer_credentials_are_strict(void)
{
	char tok[160];
	CHECK(bearer("Bearer abcdefghijklmnop", tok) == 1 && strcmp(tok, "abcdefghijklmnop") == 0);
	CHECK(bearer("bEaReR    Ab_-0123456789xyz", tok) == 1 && strcmp(tok, "Ab_-0123456789xyz") == 0);
	CHECK(bearer(NULL, tok) == 0);
	CHECK(bearer("", tok) == 0);
	CHECK(bearer("Basic YWxhZGRpbjpvcGVu", tok) == 0 && tok[0] == '\0'); /* not ours: as if absent */
	CHECK(bearer(" Bearer abcdefghijklmnop", tok) == 0);
	const char *bad[] = {"Bearer", "Bearer ", "Bearer abcdefghijklmno", "bearer: abcdefghijklmnop",
	                     "Bearerabcdefghijklmnop", "Bearer\tabcdefghijklmnop", "Bearer abcdefghijklmnop ",
	                     "Bearer abcdefghijklmnop x", "Bearer abcdefghijklmn=p", "BEARER",
	                     "Bearer abcdefghijklmno\xc3\xa9"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(bearer(bad[i], tok) == -1);
	char header[200] = "Bearer ";
	memset(header + 7, 'a', 129);
	CHECK(bearer(header, tok) == -1); /* 129 characters */
	header[7 + 128] = '\0';
	CHECK(bearer(header, tok) == 1 && strlen(tok) == 128);
	CHECK(credential_bearer("Bearer abcdefghijklmnop", tok, 16) == -1); /* does not fit */
	CHECK(credential_token_valid("abcdefghijklmnop") && !credential_token_valid("abcdefghijklmno"));
	CHECK(!credential_token_valid(NULL) && !credential_token_valid("abcdefghijklmnop!"));
}

static void log_escape_keeps_one_line(void)
{
	char out[64];
	log_escape("GET /a\nINFO x\r\x1b[1m\x7f\t\xc3\xa9", out, sizeof out);
	CHECK(strcmp(out, "GET /a\\x0aINFO x\\x0d\\x1b[1m\\x7f\\x09\xc3\xa9") == 0);
	log_escape("ab\n", out, 6); /* no room for the whole escape: cut before it */
	CHECK(strcmp(out, "ab") == 0);
	log_escape("abcdef", out, 4);
	CHECK(strcmp(out, "abc") == 0);
}

/* What log_info writes to stderr for this request id and message. */
static void log_capture(const char *rid, const char *msg, char *out, size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	log_set_request_id(rid);
	log_info("GET %s -> 404", msg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log_set_request_id(NULL);
	rewind(tmp);
	size_t n = fread(out, 1, size - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
}

static void log_lines_cannot_be_forged(void)
{
	char line[2048];
	log_capture("r1\nX", "/rooms/\n2026-01-01T00:00:00.000Z ERROR rooms rid=- forged", line, sizeof line);
	CHECK(strchr(line, '\n') == line + strlen(line) - 1); /* exactly one line */
	CHECK(strstr(line, "rid=r1\\x0aX ") != NULL);
	CHECK(strstr(line, "/rooms/\\x0a2026") != NULL);
}

static void url_encode_escapes_reserved(void)
{
	char *s = url_encode("a b&c=d/é~-._");
	CHECK(strcmp(s, "a%20b%26c%3Dd%2F%C3%A9~-._") == 0);
	free(s);
}

static void date_valid_knows_the_calendar(void)
{
	CHECK(date_valid("2024-02-29"));  /* divisible by 4 */
	CHECK(!date_valid("2023-02-29"));
	CHECK(date_valid("2000-02-29"));  /* divisible by 400 */
	CHECK(!date_valid("2100-02-29")); /* divisible by 100 */
	CHECK(date_valid("2024-12-31"));
	CHECK(!date_valid("2024-04-31"));
	CHECK(!date_valid("2024-13-01"));
	CHECK(!date_valid("2024-00-10"));
	CHECK(!date_valid("2024-01-00"));
	CHECK(!date_valid("2024-1-01"));
	CHECK(!date_valid("2024/01/01"));
	CHECK(!date_valid("2024-01-01T00:00:00Z"));
	CHECK(!date_valid("abcd-ef-gh"));
	CHECK(!date_valid(""));
	CHECK(!date_valid(NULL));
}

static void date_add_crosses_months_and_years(void)
{
	char out[11];
	date_add("2024-02-28", 1, out);
	CHECK(strcmp(out, "2024-02-29") == 0);
	date_add("2023-02-28", 1, out);
	CHECK(strcmp(out, "2023-03-01") == 0);
	date_add("2024-12-31", 1, out);
	CHECK(strcmp(out, "2025-01-01") == 0);
	date_add("2024-03-01", -1, out);
	CHECK(strcmp(out, "2024-02-29") == 0);
	date_add("2024-01-01", 366, out);
	CHECK(strcmp(out, "2025-01-01") == 0);
	date_add("2024-03-31", 0, out);
	CHECK(strcmp(out, "2024-03-31") == 0);
}

static void date_diff_counts_days(void)
{
	CHECK(date_diff("2024-01-01", "2025-01-01") == 366);
	CHECK(date_diff("2023-01-01", "2024-01-01") == 365);
	CHECK(date_diff("2024-02-28", "2024-03-01") == 2);
	CHECK(date_diff("2023-02-28", "2023-03-01") == 1);
	CHECK(date_diff("2024-03-10", "2024-03-01") == -9);
	CHECK(date_diff("2024-03-31", "2024-03-31") == 0);
	CHECK(date_diff("2024-03-30", "2024-03-31") == 1); /* across a DST change elsewhere */
}

static void a_cut_never_leaves_half_a_character(void)
{
	char out[6];
	CHECK(strcmp(utf8_copy(out, sizeof out, "abc"), "abc") == 0);
	CHECK(strcmp(utf8_copy(out, sizeof out, "abcdefg"), "abcde") == 0);
	CHECK(strcmp(utf8_copy(out, sizeof out, "a\xF0\x9F\x98\x80\xF0\x9F\x98\x80"), "a\xF0\x9F\x98\x80") == 0);
	CHECK(strcmp(utf8_copy(out, sizeof out, "ab\xF0\x9F\x98\x80"), "ab") == 0); /* 6 bytes: the emoji does not fit */
	CHECK(strcmp(utf8_copy(out, sizeof out, "abcd\xC3\xA4"), "abcd") == 0);
	CHECK(strcmp(utf8_copy(out, sizeof out, NULL), "") == 0);
	char one[1] = {'x'};
	CHECK(utf8_copy(one, 1, "abc")[0] == '\0');
	CHECK(utf8_valid(utf8_copy(out, sizeof out, "\xE2\x82\xAC\xE2\x82\xAC")));
}

static void etags_are_compared_as_rfc_9110_says(void)
{
	char tag[ETAG_SIZE], other[ETAG_SIZE], weak[ETAG_SIZE + 2];
	json_t *a = json_pack("{s:i, s:s}", "id", 1, "name", "A"), *b = json_pack("{s:i, s:s}", "id", 1, "name", "B");
	etag_of(a, tag);
	etag_of(b, other);
	CHECK(strlen(tag) == 34 && tag[0] == '"' && tag[33] == '"' && strcmp(tag, other) != 0);
	etag_of(a, other);
	CHECK(strcmp(tag, other) == 0); /* the same bytes, the same tag */
	snprintf(weak, sizeof weak, "W/%s", tag);
	CHECK(etag_listed(tag, tag, 0) && etag_listed(tag, tag, 1));
	CHECK(!etag_listed(weak, tag, 0) && etag_listed(weak, tag, 1)); /* If-Match never takes a weak tag */
	CHECK(etag_listed("*", tag, 0) && etag_listed("  * ", tag, 1));
	char list[200];
	snprintf(list, sizeof list, "\"x\", %s ,W/\"y\"", tag);
	CHECK(etag_listed(list, tag, 0));
	snprintf(list, sizeof list, "%sx", tag); /* not a list of tags: nothing matches */
	CHECK(!etag_listed(list, tag, 1));
	snprintf(list, sizeof list, "%s, *", tag);
	CHECK(!etag_listed(list, tag, 1));
	snprintf(list, sizeof list, "%s, \"unclosed", tag);
	CHECK(!etag_listed(list, tag, 1));
	CHECK(!etag_listed("", tag, 1) && !etag_listed(",,", tag, 1) && !etag_listed("W/", tag, 1));
	snprintf(list, sizeof list, " , ,%s", tag); /* empty elements are no elements */
	CHECK(etag_listed(list, tag, 0));
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	RUN(query_pairs_are_decoded);
	RUN(query_duplicate_key_is_400);
	RUN(query_malformed_escapes_are_400);
	RUN(query_empty_values_are_dropped);
	RUN(json_body_is_parsed);
	RUN(empty_body_is_an_empty_object);
	RUN(malformed_json_is_400);
	RUN(duplicate_json_keys_are_400);
	RUN(json_that_is_not_an_object_is_400);
	RUN(form_body_values_are_strings);
	RUN(json_sent_as_form_is_json);
	RUN(unsupported_content_type_is_415);
	RUN(numbers_out_of_range_are_named_only_in_well_formed_objects);
	RUN(names_refuse_direction_overrides);
	RUN(body_with_nul_byte_is_400);
	RUN(body_with_leading_nul_is_400);
	RUN(percent_decode_needs_two_hex_digits);
	RUN(cookies_that_do_not_decode_are_absent);
	RUN(flash_cookie_that_does_not_decode_is_dropped);
	RUN(path_must_be_utf8_and_a_cookie_that_is_not_is_absent);
	RUN(request_ids_are_what_the_gateway_lets_through);
	RUN(idempotency_keys_are_printable_and_bounded);
	RUN(bearer_credentials_are_strict);
	RUN(log_escape_keeps_one_line);
	RUN(log_lines_cannot_be_forged);
	RUN(browsers_get_html);
	RUN(scripts_get_json);
	RUN(body_int_reads_integers_in_range);
	RUN(body_int_rejects_wrong_types);
	RUN(form_numbers_are_strings_that_parse);
	RUN(body_str_trims_and_limits);
	RUN(body_date_accepts_only_calendar_dates);
	RUN(problem_validation_lists_errors);
	RUN(problem_unavailable_sets_retry_after);
	RUN(page_params_validate_limit_and_cursor);
	RUN(page_reply_trims_and_links);
	RUN(page_reply_rows_trims_and_links);
	RUN(url_encode_escapes_reserved);
	RUN(date_valid_knows_the_calendar);
	RUN(date_add_crosses_months_and_years);
	RUN(date_diff_counts_days);
	RUN(etags_are_compared_as_rfc_9110_says);
	RUN(a_cut_never_leaves_half_a_character);
	UNIT_END();
}
