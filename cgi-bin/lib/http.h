/* http.h — the parsed request, the response model, and the helpers handlers use
 * to read input and report errors. Handlers never see FastCGI types, so they can
 * be driven from unit tests by filling a struct request by hand. */
#ifndef RB_HTTP_H
#define RB_HTTP_H
#include <jansson.h>
#include <stddef.h>

#include "buf.h"

struct db;
struct sqlite3_stmt;
struct service;
struct route;

struct param {
	char *key; /* owned, decoded */
	char *val; /* owned, decoded */
};

struct request {
	char method[8];
	char *path;         /* owned, decoded (nginx DOCUMENT_URI) */
	char *query;        /* owned, raw QUERY_STRING */
	struct param *q;    /* decoded query parameters, owned */
	int nq;
	char *content_type; /* owned or NULL */
	char *content_encoding; /* Content-Encoding of the body, owned or NULL */
	char *accept;       /* owned or NULL */
	char *idem_key;     /* Idempotency-Key, owned or NULL (the account's own once claimed) */
	int idem_compat;    /* the claim also wrote a row with the key as sent (idempotency.c) */
	int idem_replayed;  /* the answer is the one stored for this key, replayed */
	char *request_id;   /* from the gateway, owned or NULL */
	char *cookie;       /* owned or NULL */
	char *body;         /* owned, NUL-terminated, may be NULL */
	size_t body_len;
	json_t *json;       /* body as an object (form bodies too: values are strings) */
	int body_is_form;
	int form_declared;  /* sent as application/x-www-form-urlencoded (even when its body was JSON) */
	/* a body or query that could not be read: its status (400, 415) and why; answered by
	 * the router after the sign-in check, so a caller not signed in hears 401 first */
	int unreadable;
	char unreadable_why[256];
	/* members of the body whose number no integer or double holds (1e999): each stands in
	 * r->json as an empty object, and body_int & co. call it out of range when a route
	 * reads it; a route that does not read it ignores it, as any unknown field */
	char overflowed[4][64];
	int n_overflowed;
	int internal;       /* came through the internal listener with the stack's secret */
	int auth_subrequest; /* the gateway's identity check (nginx auth_request) */
	long long account_id; /* the signed-in account as the gateway set it; 0: nobody */
	int admin;          /* that account has the admin role */
	char *account_name; /* owned or NULL: its display name (decoded) */
	char *authorization; /* Authorization header, owned or NULL (accounts only reads it) */
	char *origin;       /* Origin header, owned or NULL */
	char *fetch_site;   /* Sec-Fetch-Site header, owned or NULL */
	char *host;         /* Host header, owned or NULL */
	char *remote_addr;  /* the client's address as the gateway saw it, owned or NULL */
	char *csrf_header;  /* X-CSRF-Token header, owned or NULL */
	char *if_match;     /* If-Match header, owned or NULL (etag_listed) */
	char *if_none_match; /* If-None-Match header, owned or NULL */
	int https;          /* the gateway was reached over TLS */
	int wants_html;
	long long ids[2];   /* numeric path parameters, in order */
	int nids;
	const struct route *route; /* the route that answered (set by the router), NULL when none */
};

struct response {
	int status;
	json_t *model;             /* owned */
	const char *page;          /* template name for HTML, NULL for JSON only */
	struct buf headers;        /* extra "Name: value\r\n" lines */
	int raw_json;              /* model is the whole body (e.g. `true`) */
	char title[160];           /* HTML page title ("" = the site name) */
	char flash[200];           /* after a successful form post: shown on the next page */
	int show_page;             /* a form post's answer is this page, not a redirect (a secret shown once) */
	const char *text_type;     /* set: `text` is the whole body, of this Content-Type (metrics) */
	struct buf text;
	/* A QR code drawn by lib/qr.c (qr_svg: fixed tags and integers only, never anything
	 * a person typed). The page shows it unescaped as {{QR_SVG:none}}; nothing else may
	 * ever be put here, and no model field can set that variable (view.cc). */
	struct buf qr_svg;
};

/* What a handler gets. */
struct ctx {
	struct request *req;
	struct response *res;
	struct db *db;
	const struct service *svc;
};

/* Frees everything a request owns (not the struct itself). */
void request_free(struct request *r);
void response_free(struct response *r);

/* Parses a query string into r->q; returns 0, or 400 when a key repeats or a pair is
 * malformed (detail written to err). Empty values are dropped as if absent. */
int request_parse_query(struct request *r, char *err, size_t errlen);
/* Parses r->body by content type into r->json. Returns 0, or 400 (malformed, duplicate
 * keys), 415 (unsupported type) with detail in err. An empty body yields {}. */
int request_parse_body(struct request *r, char *err, size_t errlen);
/* Checks the request's text that is decoded before any parser sees it: the path and the
 * Cookie header must be valid UTF-8. Returns 0, or 400 with detail in err. */
int request_check_text(const struct request *r, char *err, size_t errlen);
/* True when s is a request id we accept and log: 1..64 characters of [A-Za-z0-9._-]
 * (what the gateway lets through; anything else is dropped). NULL is not valid. */
int request_id_valid(const char *s);
/* True when s is valid UTF-8 (what jansson accepts in a string). */
int utf8_valid(const char *s);
/* Copies s (NULL: "") into out[size], cut short, when it does not fit, before the
 * character that does not fit whole: a cut never leaves half a character (which jansson,
 * and so every JSON answer and page, refuses). Returns out. */
char *utf8_copy(char *out, size_t size, const char *s);
/* True when the Accept header lets HTML through at all (none sent; the wildcards count):
 * a page for browsers is then answered as HTML, even when JSON would be preferred. */
int request_takes_html(const struct request *r);
/* Sets r->wants_html from the Accept header (HTML only when preferred over JSON). */
void request_negotiate(struct request *r);
/* Returns the value of query parameter key or NULL. */
const char *query_get(const struct request *r, const char *key);
/* Removes key from r's query, as if it had not been sent (a page that answers another
 * question than the one asked: its links must not ask it again). Pointers query_get gave
 * for key are then gone. */
void query_drop(struct request *r, const char *key);
/* Removes the i-th parameter (the last one takes its place). */
void query_drop_at(struct request *r, int i);

/* Sets an extra response header. */
void response_header(struct response *res, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Entity tags (RFC 9110 §8.8.3): a resource that offers conditional requests sends
 * the tag of its JSON answer; the tag is the first 128 bits of the SHA-256 of the JSON
 * text (JSON_COMPACT, as render writes it), quoted: strong, and equal exactly when the
 * bytes are. */
#define ETAG_SIZE 35
void etag_of(const json_t *model, char out[ETAG_SIZE]);
/* Whether etag is in an If-Match or If-None-Match list ("*" lists every tag). weak: the
 * weak comparison of If-None-Match (a W/ prefix is ignored); else the strong one of
 * If-Match (a W/ tag never matches). A list that cannot be read matches nothing. */
int etag_listed(const char *list, const char *etag, int weak);

/* Sets res->model to an RFC 9457 problem and returns status. */
int problem(struct ctx *c, int status, const char *detail, ...) __attribute__((format(printf, 3, 4)));
/* A problem of status with field errors (a JSON array, stolen) for a form to show. */
int problem_fields(struct ctx *c, int status, json_t *errors, const char *detail);
/* 422 with the collected field errors (a JSON array, stolen). */
int problem_validation(struct ctx *c, json_t *errors);
/* 503 with Retry-After: seconds. */
int problem_unavailable(struct ctx *c, int retry_after, const char *detail);
/* Standard title for a status code. */
const char *http_reason(int status);

/* Appends {"field","message"} to errors. A message in plain words, read after the
 * field's label when it starts in lower case ("must be between 1 and 30": pages show
 * "Nights must be between 1 and 30"), or on its own when it starts with a capital
 * ("Enter a name or a description for the room"). */
void field_error(json_t *errors, const char *field, const char *message);

/* Field readers for the body object. Each returns 1 when the field was present and
 * valid, 0 when absent (out untouched), -1 when invalid (an error is appended). */
int body_int(struct ctx *c, json_t *errors, const char *field, long long min, long long max,
             long long *out);
/* The most characters a name has (an account's, a room's, a guest's: body_line), and
 * the bytes that hold one whole, its NUL included: UTF-8 takes up to 4 a character. */
#define NAME_CHARS 200
#define NAME_SIZE (4 * NAME_CHARS + 1)
/* A string of 1..maxlen characters (trimmed), with no control character but tab and
 * line breaks. *out points into the request's JSON. */
int body_str(struct ctx *c, json_t *errors, const char *field, size_t maxlen, const char **out);
/* The same, on one line: no tab or line break either (names, what a page shows in a
 * heading, an e-mail header or a calendar line). */
int body_line(struct ctx *c, json_t *errors, const char *field, size_t maxlen, const char **out);
/* Why s is no date date_valid takes, as a field error's words ("must be a date as
 * YYYY-MM-DD", the years it counts in, or no such day in the month). */
const char *date_wrong(const char *s);
/* A YYYY-MM-DD calendar date. */
int body_date(struct ctx *c, json_t *errors, const char *field, const char **out);

/* Query readers: 1 present and valid, 0 absent, or an HTTP status (400) with c->res set. */
int query_int(struct ctx *c, const char *key, long long min, long long max, long long *out);
int query_date(struct ctx *c, const char *key, const char **out);

/* Percent-decodes the n bytes at s into out, which has room for n + 1 bytes (the result
 * is never longer than its input) and is always NUL-terminated, even on failure. '+'
 * becomes a space when plus_is_space (query strings, form bodies), else stays '+' (cookie
 * values). Returns the decoded length, or -1 when a '%' is not followed by exactly two hex
 * digits or decodes to a NUL byte. The one percent-decoder: every caller uses it. */
long percent_decode(const char *s, size_t n, int plus_is_space, char *out);
/* Percent-encodes s for a URL query (new string, caller frees). */
char *url_encode(const char *s);
/* True when s is a valid YYYY-MM-DD date. */
int date_valid(const char *s);
/* Adds days to a YYYY-MM-DD date (out holds 11 bytes); saturates at 9999-12-31. */
void date_add(const char *date, int days, char out[11]);
/* Days from a to b (b - a). */
long date_diff(const char *a, const char *b);

/* Pagination: reads ?limit= (1..100, default 20) and ?cursor= (an id). Returns 0 or 400. */
int page_params(struct ctx *c, long long *limit, long long *cursor);
/* Wraps items (stolen; fetched with limit+1 rows) as {"items","nextCursor"}, trimming the
 * extra row and adding a Link header when there is a next page. Sets c->res->model; returns
 * 200, or 503 when items is NULL (the query failed). */
int page_reply(struct ctx *c, json_t *items, long long limit, const char *id_field);
/* page_reply's JSON answer written straight from st's rows (db_rows_json_text), for
 * lists answered only as JSON: the caller has put the answer's start in c->res->text, up
 * to the list (`{"items":`, or `{"customer":"…","reservations":`); this appends the rows
 * (limit of them, st fetching limit+1) and `,"nextCursor":…}`, sets the Link header as
 * page_reply does and the body's type. key, when not NULL, names the rows for the
 * connection's cache (db_rows_json_cached): they are read again only after a commit.
 * Returns 200, or 503 when the query failed. */
int page_reply_rows(struct ctx *c, struct sqlite3_stmt *st, long long limit, const char *id_field, const char *key);
#endif
