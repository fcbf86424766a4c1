/* http.c — request parsing, problem responses, input validation, pagination. */
#include "http.h"

#include "digest.h"

#include "db.h"
#include "human.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void request_free(struct request *r)
{
	free(r->path);
	free(r->query);
	for (int i = 0; i < r->nq; i++) {
		free(r->q[i].key);
		free(r->q[i].val);
	}
	free(r->q);
	free(r->content_type);
	free(r->content_encoding);
	free(r->accept);
	free(r->idem_key);
	free(r->request_id);
	free(r->cookie);
	free(r->account_name);
	free(r->authorization);
	free(r->origin);
	free(r->fetch_site);
	free(r->host);
	free(r->remote_addr);
	free(r->csrf_header);
	free(r->if_match);
	free(r->if_none_match);
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

void response_free(struct response *r)
{
	json_decref(r->model);
	buf_free(&r->headers);
	buf_free(&r->text);
	buf_free(&r->qr_svg);
	memset(r, 0, sizeof *r);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long percent_decode(const char *s, size_t n, int plus_is_space, char *out)
{
	char *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+' && plus_is_space) {
			*o++ = ' ';
		} else if (s[i] != '%') {
			*o++ = s[i];
		} else {
			int hi = n - i > 2 ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = n - i > 2 ? hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				*out = '\0';
				return -1;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		}
	}
	*o = '\0';
	return (long)(o - out);
}

/* Decodes a form/query component of [s, s+n) into a new string; NULL when malformed. */
static char *url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	if (!out)
		abort();
	if (percent_decode(s, n, 1, out) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;
	if (!out)
		abort();
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || strchr("-._~", ch)) {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return out;
}

char *utf8_copy(char *out, size_t size, const char *s)
{
	if (!size)
		return out;
	size_t n = s ? strlen(s) : 0;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* s[n] continues a character */
			n--;
	}
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

int utf8_valid(const char *s)
{
	json_t *j = json_string(s); /* jansson's own check: it refuses anything else */
	json_decref(j);
	return j != NULL;
}

int request_check_text(const struct request *r, char *err, size_t errlen)
{
	if (r->path && !utf8_valid(r->path)) {
		snprintf(err, errlen, "the path is not valid UTF-8");
		return 400;
	}
	/* The Cookie header is not judged as a whole: any site on the same host (cookies do
	 * not keep to a port) or a sibling domain may set a cookie of bytes that are not
	 * UTF-8, and refusing every request then would lock a visitor out of the whole site.
	 * Each cookie read is checked on its own (cookie_get_decoded: such a value is absent). */
	return 0;
}

int request_id_valid(const char *s)
{
	size_t n = s ? strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") : 0;
	return n >= 1 && n <= 64 && s[n] == '\0';
}

/* More query or form parameters than any page or API call uses: refused (the duplicate
 * check below is quadratic). */
#define MAX_PARAMS 256

/* Splits an x-www-form-urlencoded string into pairs. Returns 0 or 400. */
static int parse_pairs(const char *s, struct param **out, int *nout, char *err, size_t errlen)
{
	struct param *ps = NULL;
	int n = 0;
	while (s && *s) {
		size_t len = strcspn(s, "&");
		if (n >= MAX_PARAMS) {
			snprintf(err, errlen, "more than %d parameters", MAX_PARAMS);
			for (int i = 0; i < n; i++) {
				free(ps[i].key);
				free(ps[i].val);
			}
			free(ps);
			return 400;
		}
		const char *eq = memchr(s, '=', len);
		if (len > 0) {
			size_t klen = eq ? (size_t)(eq - s) : len;
			char *k = url_decode(s, klen);
			char *v = eq ? url_decode(eq + 1, len - klen - 1) : strdup("");
			int bad = !k || !v || !*k || !utf8_valid(k) || !utf8_valid(v);
			for (int i = 0; !bad && i < n; i++)
				if (strcmp(ps[i].key, k) == 0) {
					snprintf(err, errlen, "parameter '%s' is given more than once", k);
					bad = 2;
				}
			if (bad) {
				if (bad == 1)
					snprintf(err, errlen, "malformed parameter near '%.*s'", (int)(len > 40 ? 40 : len), s);
				free(k);
				free(v);
				for (int i = 0; i < n; i++) {
					free(ps[i].key);
					free(ps[i].val);
				}
				free(ps);
				return 400;
			}
			ps = realloc(ps, sizeof *ps * (size_t)(n + 1));
			if (!ps)
				abort();
			ps[n].key = k;
			ps[n].val = v;
			n++;
		}
		s += len;
		if (*s == '&')
			s++;
	}
	*out = ps;
	*nout = n;
	return 0;
}

int request_parse_query(struct request *r, char *err, size_t errlen)
{
	struct param *ps;
	int n, rc = parse_pairs(r->query, &ps, &n, err, errlen);
	if (rc)
		return rc;
	r->q = NULL;
	r->nq = 0;
	for (int i = 0; i < n; i++) {
		if (!*ps[i].val) { /* empty value: as if absent (blank form fields) */
			free(ps[i].key);
			free(ps[i].val);
			continue;
		}
		ps[r->nq++] = ps[i];
	}
	r->q = ps;
	return 0;
}

const char *query_get(const struct request *r, const char *key)
{
	for (int i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].key, key) == 0)
			return r->q[i].val;
	return NULL;
}

void query_drop_at(struct request *r, int i)
{
	free(r->q[i].key);
	free(r->q[i].val);
	r->q[i] = r->q[--r->nq];
}

void query_drop(struct request *r, const char *key)
{
	for (int i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].key, key) == 0) { /* keys never repeat (request_parse_query) */
			query_drop_at(r, i);
			return;
		}
}

static int has_type(const char *ct, const char *type)
{
	size_t n = strlen(type);
	while (ct && isspace((unsigned char)*ct))
		ct++;
	return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || isspace((unsigned char)ct[n]));
}

/* Whether ct's media type (before any parameter) is a JSON one by its structured syntax
 * suffix: type/subtype+json (RFC 6839), as application/problem+json. Not "+json" found
 * anywhere: "text/plain; a=+json" is text, and a page on another site may send text
 * without asking first (no CORS preflight). */
static int has_json_suffix(const char *ct)
{
	while (ct && isspace((unsigned char)*ct))
		ct++;
	if (!ct)
		return 0;
	size_t n = strcspn(ct, "; \t");
	const char *slash = memchr(ct, '/', n);
	return slash && slash > ct && n >= 5 && (size_t)(ct + n - slash) > 6 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* Where the JSON number that ends just before body[end] starts (after ":", ",", "[" or
 * a space), or end when the bytes there are no one number ("1-1e400"). */
static size_t number_start(const char *body, size_t end)
{
	size_t at = end;
	while (at > 0 && strchr("0123456789+-.eE", body[at - 1]))
		at--;
	if (at == end || (at > 0 && !strchr(":,[ \t\r\n", body[at - 1])))
		return end;
	const char *p = body + at, *stop = body + end; /* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
	p += *p == '-';
	if (p < stop && *p == '0')
		p++;
	else if (p < stop && *p >= '1' && *p <= '9')
		while (p < stop && *p >= '0' && *p <= '9')
			p++;
	else
		return end;
	if (p < stop && *p == '.') {
		const char *digits = ++p;
		while (p < stop && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return end;
	}
	if (p < stop && (*p == 'e' || *p == 'E')) {
		p++;
		p += p < stop && (*p == '+' || *p == '-');
		const char *digits = p;
		while (p < stop && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return end;
	}
	return p == stop ? at : end;
}

/* The name of the member of the outermost object whose value starts at body[at]
 * ("price" in {"price":1e999}; escapes decoded: "pr\u0069ce" is price too), in name
 * (size bytes): 1, or 0 when the value is not such a member's (deeper down, in an
 * array) or its name does not fit or holds a NUL. One pass over the body before it,
 * strings and all: a bracket or a quote inside a string counts for nothing. */
static int top_member(const char *body, size_t at, char *name, size_t size)
{
	size_t open = 0, close = 0;
	int depth = 0, in_string = 0, named = 0;
	for (size_t i = 0; i < at; i++) {
		char ch = body[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"') {
				in_string = 0;
				close = i;
				named = 1;
			}
		} else if (ch == '"') {
			in_string = 1;
			open = i;
		} else if (ch != ':' && !isspace((unsigned char)ch)) {
			named = 0; /* something after the last string: it is not this value's name */
			depth += (ch == '{' || ch == '[') - (ch == '}' || ch == ']');
		}
	}
	if (depth != 1 || !named || in_string)
		return 0;
	size_t colons = 0;
	for (size_t i = close + 1; i < at; i++)
		colons += body[i] == ':';
	json_t *s = colons == 1 ? json_loadb(body + open, close - open + 1, JSON_DECODE_ANY, NULL) : NULL;
	size_t len = json_string_length(s);
	int ok = json_is_string(s) && len > 0 && len < size && strlen(json_string_value(s)) == len;
	if (ok)
		memcpy(name, json_string_value(s), len + 1);
	json_decref(s);
	return ok;
}

/* A body that failed to parse at je with a number too big for any integer or double:
 * the object it is once every such number reads 0, with each member of the outermost
 * object whose value was one made an empty object and named in r->overflowed (what an
 * integer or string field never is: a route that reads it says out of range, one that
 * does not ignores it, as SPEC §3 ignores unknown fields). NULL when the body is
 * malformed after all, or is not an object. */
static json_t *numbers_out_of_range(struct request *r, json_error_t *je)
{
	char *copy = malloc(r->body_len + 1);
	json_t *j = NULL;
	char names[16][sizeof r->overflowed[0]];
	int named = 0;
	if (!copy)
		return NULL;
	memcpy(copy, r->body, r->body_len);
	copy[r->body_len] = '\0';
	for (int round = 0; round < 16; round++) {
		size_t end = (size_t)je->position, start;
		if (je->position <= 0 || end > r->body_len || (start = number_start(copy, end)) == end)
			break;
		if (top_member(copy, start, names[named], sizeof names[named]))
			named++;
		memset(copy + start, ' ', end - start);
		copy[start] = '0';
		if ((j = json_loadb(copy, r->body_len, JSON_REJECT_DUPLICATES, je)) != NULL ||
		    json_error_code(je) != json_error_numeric_overflow)
			break;
	}
	free(copy);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	for (int i = 0; i < named; i++) {
		if (json_object_get(j, names[i]))
			json_object_set_new(j, names[i], json_object());
		if (r->n_overflowed < (int)(sizeof r->overflowed / sizeof *r->overflowed))
			memcpy(r->overflowed[r->n_overflowed++], names[i], sizeof *r->overflowed); /* both 64 bytes */
	}
	return j;
}

static int parse_json_body(struct request *r, char *err, size_t errlen)
{
	json_error_t je;
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!r->json) {
		/* well-formed JSON whose number no 64-bit integer or double holds: a value out of
		 * range where a route reads it (body_int & co.), ignored where none does */
		json_error_t first = je;
		if (json_error_code(&je) == json_error_numeric_overflow && (r->json = numbers_out_of_range(r, &je)) != NULL)
			return 0;
		const char *why = strstr(first.text, "JSON_ALLOW_NUL") ? "a string holds \\u0000 (NUL)" : first.text;
		snprintf(err, errlen, "malformed JSON at line %d column %d: %s", first.line, first.column, why);
		return 400;
	}
	if (!json_is_object(r->json)) {
		json_decref(r->json);
		r->json = NULL;
		snprintf(err, errlen, "the request body must be a JSON object");
		return 400;
	}
	return 0;
}

int request_parse_body(struct request *r, char *err, size_t errlen)
{
	const char *b = r->body ? r->body : "";
	/* a form post for the forgery check, whatever its body (JSON, or none) */
	r->form_declared = has_type(r->content_type, "application/x-www-form-urlencoded");
	/* a body is read as sent: a compressed one would be taken for text (or refused for
	 * its bytes) and one merely labelled so would pass, so any coding but identity is 415 */
	if (r->body_len && r->content_encoding && strcasecmp(r->content_encoding, "identity") != 0) {
		snprintf(err, errlen, "send the body without Content-Encoding: it is not decoded here");
		return 415;
	}
	if (r->body && strlen(r->body) != r->body_len) { /* before the empty check: "\0{}" */
		snprintf(err, errlen, "the request body contains a NUL byte");
		return 400;
	}
	while (isspace((unsigned char)*b))
		b++;
	if (!*b) {
		r->json = json_object();
		return 0;
	}
	const char *ct = r->content_type;
	int json_ct = has_type(ct, "application/json") || has_json_suffix(ct);
	int form_ct = has_type(ct, "application/x-www-form-urlencoded");
	/* curl -d sends JSON labelled as a form: accept it as what it plainly is. */
	if (json_ct || (form_ct && *b == '{') || (!ct && *b == '{'))
		return parse_json_body(r, err, errlen);
	if (!form_ct) {
		snprintf(err, errlen, "send application/json or application/x-www-form-urlencoded");
		return 415;
	}
	struct param *ps;
	int n, rc = parse_pairs(r->body, &ps, &n, err, errlen);
	if (rc)
		return rc;
	r->json = json_object();
	r->body_is_form = 1;
	for (int i = 0; i < n; i++) {
		json_t *v = json_string(ps[i].val);
		if ((!v || json_object_set_new(r->json, ps[i].key, v)) && !rc) {
			snprintf(err, errlen, "form field '%.40s' is not valid UTF-8", ps[i].key);
			rc = 400;
		}
		free(ps[i].key);
		free(ps[i].val);
	}
	free(ps);
	return rc;
}

/* q-value of the best match for type in an Accept header; -1 when not listed. */
static double accept_q(const char *accept, const char *type)
{
	double best = -1;
	size_t tn = strlen(type);
	for (const char *p = accept; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ",");
		if (len >= tn && strncasecmp(p, type, tn) == 0 && (p[tn] == ';' || p[tn] == ',' || p[tn] == ' ' || p + tn == p + len)) {
			double q = 1;
			const char *qp = strstr(p, "q=");
			if (qp && qp < p + len)
				q = strtod(qp + 2, NULL);
			if (q > best)
				best = q;
		}
		p += len;
	}
	return best;
}

void request_negotiate(struct request *r)
{
	if (!r->accept) {
		r->wants_html = 0;
		return;
	}
	/* Each side's q comes from the most specific range that names it (RFC 9110 §12.5.1):
	 * HTML's from text/html, else any text, else anything; JSON's from application/json
	 * (or problem+json), else any application type, else anything. */
	static const char *const html_ranges[] = {"text/html", "text/*", "*/*"};
	static const char *const json_ranges[] = {"application/json", "application/problem+json", "application/*", "*/*"};
	double html = -1, json = -1;
	for (size_t i = 0; i < sizeof html_ranges / sizeof *html_ranges && html < 0; i++)
		html = accept_q(r->accept, html_ranges[i]);
	for (size_t i = 0; i < sizeof json_ranges / sizeof *json_ranges && json < 0; i++)
		json = accept_q(r->accept, json_ranges[i]);
	r->wants_html = html > 0 && html > json; /* a tie (anything alone) is JSON */
}

int request_takes_html(const struct request *r)
{
	if (!r->accept)
		return 1;
	double q = accept_q(r->accept, "text/html");
	if (q < 0)
		q = accept_q(r->accept, "text/*");
	if (q < 0)
		q = accept_q(r->accept, "*/*");
	return q > 0;
}

void response_header(struct response *res, const char *name, const char *fmt, ...)
{
	va_list ap;
	buf_printf(&res->headers, "%s: ", name);
	va_start(ap, fmt);
	buf_vprintf(&res->headers, fmt, ap);
	va_end(ap);
	buf_puts(&res->headers, "\r\n");
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

void etag_of(const json_t *model, char out[ETAG_SIZE])
{
	char hex[SHA256_HEX];
	char *text = json_dumps(model, JSON_COMPACT | JSON_ENCODE_ANY);
	sha256_hex(text ? text : "", text ? strlen(text) : 0, hex);
	free(text);
	snprintf(out, ETAG_SIZE, "\"%.32s\"", hex);
}

int etag_listed(const char *list, const char *etag, int weak)
{
	size_t n = strlen(etag);
	const char *p = list + strspn(list, " \t,"); /* empty elements are no elements (RFC 9110 §5.6.1) */
	if (*p == '*') /* "*" stands alone */
		return p[1 + strspn(p + 1, " \t")] == '\0';
	int found = 0;
	while (*p) {
		int is_weak = strncmp(p, "W/", 2) == 0;
		const char *tag = is_weak ? p + 2 : p;
		const char *end = *tag == '"' ? strchr(tag + 1, '"') : NULL;
		if (!end)
			return 0; /* not a list of entity tags: nothing matches */
		if ((size_t)(end + 1 - tag) == n && memcmp(tag, etag, n) == 0 && (weak || !is_weak))
			found = 1;
		p = end + 1 + strspn(end + 1, " \t");
		if (*p && *p != ',')
			return 0;
		p += strspn(p, " \t,");
	}
	return found;
}

static json_t *problem_json(int status, const char *detail)
{
	char type[64];
	snprintf(type, sizeof type, "https://roombook.example/problems/%d", status);
	json_t *text = json_string(detail); /* a detail quoting raw input may not be UTF-8 */
	return json_pack("{s:s, s:s, s:i, s:o}", "type", type, "title", http_reason(status), "status", status,
	                 "detail", text ? text : json_string("the request is malformed"));
}

int problem(struct ctx *c, int status, const char *detail, ...)
{
	/* formatted at twice the size, then cut to size: a long path or value quoted in the
	 * detail is cut short, never inside a character (a half one would cost the detail) */
	char whole[1024], msg[512];
	va_list ap;
	va_start(ap, detail);
	vsnprintf(whole, sizeof whole, detail, ap);
	va_end(ap);
	utf8_copy(msg, sizeof msg, whole);
	json_decref(c->res->model);
	c->res->model = problem_json(status, msg);
	c->res->status = status;
	return status;
}

int problem_fields(struct ctx *c, int status, json_t *errors, const char *detail)
{
	problem(c, status, "%s", detail);
	json_object_set_new(c->res->model, "errors", errors);
	return status;
}

int problem_validation(struct ctx *c, json_t *errors)
{
	return problem_fields(c, 422, errors, "some fields are missing or not valid");
}

int problem_unavailable(struct ctx *c, int retry_after, const char *detail)
{
	response_header(c->res, "Retry-After", "%d", retry_after > 0 ? retry_after : 1);
	return problem(c, 503, "%s", detail);
}

void field_error(json_t *errors, const char *field, const char *message)
{
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

/* Reads a whole decimal number that fits in a long long; 0, or -1 when s is not one. */
static int parse_ll(const char *s, long long *out)
{
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

/* 1, with the error appended, when field's number was one no integer or double holds
 * (request.overflowed): out of range, whatever the field should have been. */
static int body_overflowed(struct ctx *c, json_t *errors, const char *field)
{
	for (int i = 0; i < c->req->n_overflowed; i++)
		if (strcmp(c->req->overflowed[i], field) == 0) {
			field_error(errors, field, "is out of range");
			return 1;
		}
	return 0;
}

int body_int(struct ctx *c, json_t *errors, const char *field, long long min, long long max,
             long long *out)
{
	if (body_overflowed(c, errors, field))
		return -1;
	json_t *v = json_object_get(c->req->json, field);
	long long n;
	char msg[128];
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (c->req->body_is_form && json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!*s)
			return 0;
		if (parse_ll(s, &n)) {
			field_error(errors, field, "must be a whole number");
			return -1;
		}
	} else {
		field_error(errors, field, "must be an integer");
		return -1;
	}
	if (n < min || n > max) {
		char lo[40], hi[40]; /* as the pages write numbers: "between 1 and 10,000" */
		human_number(min, lo, sizeof lo);
		human_number(max, hi, sizeof hi);
		snprintf(msg, sizeof msg, "must be between %s and %s", lo, hi);
		field_error(errors, field, msg);
		return -1;
	}
	*out = n;
	return 1;
}

int body_str(struct ctx *c, json_t *errors, const char *field, size_t maxlen, const char **out)
{
	if (body_overflowed(c, errors, field))
		return -1;
	json_t *v = json_object_get(c->req->json, field);
	char msg[128];
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		field_error(errors, field, "must be a string");
		return -1;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		field_error(errors, field, "must not contain NUL characters");
		return -1;
	}
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && !strchr("\t\n\r", *p)) || *p == 0x7f) {
			field_error(errors, field, "must not contain control characters");
			return -1;
		}
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return 0;
	if (s[n] || s != json_string_value(v)) { /* the trimmed text replaces the field's */
		json_t *trimmed = json_stringn(s, n);
		if (!trimmed || json_object_set_new(c->req->json, field, trimmed)) {
			field_error(errors, field, "could not be read");
			return -1;
		}
		s = json_string_value(trimmed);
	}
	size_t len = 0; /* characters, not bytes: count the bytes that start one */
	for (const char *p = s; *p; p++)
		len += ((unsigned char)*p & 0xC0) != 0x80;
	if (len > maxlen) {
		snprintf(msg, sizeof msg, "must be at most %zu characters", maxlen);
		field_error(errors, field, msg);
		return -1;
	}
	*out = s;
	return 1;
}

/* Whether s holds a bidirectional embedding, override or isolate (U+202A-U+202E,
 * U+2066-U+2069): in a name, it makes what a host reads run in another order than what
 * was typed ("a\u202eb"), and no name needs one. */
static int has_bidi_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; (p = (const unsigned char *)strchr((const char *)p, 0xe2));
	     p++)
		if ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) || (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))
			return 1;
	return 0;
}

int body_line(struct ctx *c, json_t *errors, const char *field, size_t maxlen, const char **out)
{
	const char *s = NULL;
	int rc = body_str(c, errors, field, maxlen, &s);
	if (rc == 1 && strpbrk(s, "\t\n\r")) {
		field_error(errors, field, "must be one line, without tabs");
		return -1;
	}
	if (rc == 1 && has_bidi_control(s)) {
		field_error(errors, field, "must not contain characters that reverse or embed the text's direction");
		return -1;
	}
	if (rc == 1)
		*out = s;
	return rc;
}

int date_valid(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* Why s is not a date date_valid takes, in words: the shape, the calendar, or the years
 * this server counts in. */
const char *date_wrong(const char *s)
{
	int shaped = s && strlen(s) == 10 && s[4] == '-' && s[7] == '-';
	for (int i = 0; shaped && i < 10; i++)
		shaped = i == 4 || i == 7 || isdigit((unsigned char)s[i]);
	if (!shaped)
		return "must be a date as YYYY-MM-DD";
	int y = atoi(s), m = atoi(s + 5);
	if (y < 1970 || y > 9999)
		return "must be a date from 1970-01-01 to 9999-12-31";
	if (m < 1 || m > 12)
		return "is not a date of the calendar (months go from 01 to 12)";
	return "is not a date of the calendar (no such day in that month)";
}

static time_t date_epoch(const char *s)
{
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = 12;
	return timegm(&tm);
}

void date_add(const char *date, int days, char out[11])
{
	time_t t = date_epoch(date) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (tm.tm_year + 1900 > 9999) /* saturate: never a date of five digits */
		snprintf(out, 11, "9999-12-31");
	else
		strftime(out, 11, "%Y-%m-%d", &tm);
}

long date_diff(const char *a, const char *b) { return (long)((date_epoch(b) - date_epoch(a)) / 86400); }

int body_date(struct ctx *c, json_t *errors, const char *field, const char **out)
{
	const char *s = NULL;
	int rc = body_str(c, errors, field, 10, &s);
	if (rc == -1 && json_is_string(json_object_get(c->req->json, field))) {
		json_array_remove(errors, json_array_size(errors) - 1);
		field_error(errors, field, "must be a date as YYYY-MM-DD");
		return -1;
	}
	if (rc != 1)
		return rc;
	if (!date_valid(s)) {
		field_error(errors, field, date_wrong(s));
		return -1;
	}
	*out = s;
	return 1;
}

int query_int(struct ctx *c, const char *key, long long min, long long max, long long *out)
{
	const char *s = query_get(c->req, key);
	long long n;
	if (!s)
		return 0;
	if (parse_ll(s, &n) || n < min || n > max)
		return problem(c, 400, "parameter '%s' must be a whole number from %lld to %lld", key, min, max);
	*out = n;
	return 1;
}

int query_date(struct ctx *c, const char *key, const char **out)
{
	const char *s = query_get(c->req, key);
	if (!s)
		return 0;
	if (!date_valid(s))
		return problem(c, 400, "parameter '%s' %s", key, date_wrong(s));
	*out = s;
	return 1;
}

int page_params(struct ctx *c, long long *limit, long long *cursor)
{
	*limit = 20;
	*cursor = 0;
	int rc = query_int(c, "limit", 1, 100, limit);
	if (rc > 1)
		return rc;
	const char *cur = query_get(c->req, "cursor");
	if (cur && (parse_ll(cur, cursor) || *cursor < 1))
		return problem(c, 400, "parameter 'cursor' is not a cursor this server gave out");
	return 0;
}

/* The Link header of the next page (the request's query with cursor replaced); its
 * "<path?query" in link. */
static void next_link(struct ctx *c, const char *cursor, struct buf *link)
{
	buf_printf(link, "<%s?", c->req->path);
	for (int i = 0; i < c->req->nq; i++) {
		if (strcmp(c->req->q[i].key, "cursor") == 0)
			continue;
		char *k = url_encode(c->req->q[i].key), *v = url_encode(c->req->q[i].val);
		buf_printf(link, "%s=%s&", k, v);
		free(k);
		free(v);
	}
	buf_printf(link, "cursor=%s", cursor);
	response_header(c->res, "Link", "%s>; rel=\"next\"", buf_str(link));
}

int page_reply_rows(struct ctx *c, struct sqlite3_stmt *st, long long limit, const char *id_field, const char *key)
{
	struct buf *out = &c->res->text;
	long long last = 0;
	int more = 0;
	if ((key ? db_rows_json_cached(c->db, key, st, out, limit, id_field, &last, &more)
	         : db_rows_json_text(st, out, limit, id_field, &last, &more)) < 0) {
		buf_free(out);
		return problem_unavailable(c, 1, "the list could not be read; try again");
	}
	if (more) {
		char cursor[32];
		struct buf link = {0};
		snprintf(cursor, sizeof cursor, "%lld", last);
		next_link(c, cursor, &link);
		buf_free(&link);
		buf_printf(out, ",\"nextCursor\":\"%s\"}\n", cursor);
	} else {
		buf_puts(out, ",\"nextCursor\":null}\n");
	}
	c->res->text_type = "application/json";
	c->res->status = 200;
	return 200;
}

int page_reply(struct ctx *c, json_t *items, long long limit, const char *id_field)
{
	json_t *next = json_null(), *next_href = NULL;
	if (!items) /* the query failed (logged by SQLite's caller): never a 200 without a body */
		return problem_unavailable(c, 1, "the list could not be read; try again");
	if ((long long)json_array_size(items) > limit) {
		json_array_remove(items, (size_t)limit);
		json_t *last = json_array_get(items, (size_t)limit - 1);
		char cursor[32];
		snprintf(cursor, sizeof cursor, "%lld", (long long)json_integer_value(json_object_get(last, id_field)));
		next = json_string(cursor);
		struct buf link = {0};
		next_link(c, cursor, &link);
		if (c->req->wants_html) /* the pages' "Next page" link */
			next_href = json_string(buf_str(&link) + 1);
		buf_free(&link);
	}
	json_decref(c->res->model);
	c->res->model = json_pack("{s:o, s:o}", "items", items, "nextCursor", next);
	if (next_href)
		json_object_set_new(c->res->model, "nextHref", next_href);
	c->res->status = 200;
	return 200;
}
