/* test_client.c — what services read from each other: SHA-256 against FIPS 180-4's
 * vectors, the HTTP/1.1 answer parser (length, chunked, until-close, broken answers),
 * URLs, and FastCGI: the request records a call sends, and the answer parser. The calls
 * themselves run against the real services in the black-box tests (test_internal_calls). */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "digest.h"
#include "unit.h"
#include "unit_stack.h"

static void sha256_matches_the_standards_vectors(void)
{
	char hex[SHA256_HEX];
	sha256_hex("abc", 3, hex);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
	sha256_hex("", 0, hex);
	CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: two blocks */
	sha256_hex(two, strlen(two), hex);
	CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
	struct sha256 c; /* a million 'a', fed in uneven pieces */
	char a[1001];
	memset(a, 'a', sizeof a);
	sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, a, i % 2 ? 999 : 1001);
	sha256_final_hex(&c, hex);
	CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

static int parse(const char *s, int eof, struct client_response *r) { return client_response_parse(s, strlen(s), eof, r); }

static void answers_with_a_length_end_there(void)
{
	struct client_response r;
	const char *a = "HTTP/1.1 201 Created\r\ncontent-length: 7\r\n\r\n{\"a\":1}HTTP/1.1";
	CHECK(parse(a, 0, &r) == 1 && r.status == 201 && r.keep_alive && !r.chunked);
	CHECK(r.body_len == 7 && strncmp(a + r.body_at, "{\"a\":1}", 7) == 0 && r.complete == strlen(a) - 8);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\"", 0, &r) == 0); /* more to come */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\"", 1, &r) == -1); /* cut short */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}", 0, &r) == 1 &&
	      !r.keep_alive);
}

static void chunked_answers_are_read_to_their_last_chunk(void)
{
	struct client_response r;
	const char *a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\na;ext\r\n:123456789\r\n1\r\n}\r\n0\r\n\r\n";
	CHECK(parse(a, 0, &r) == 1 && r.chunked && r.body_len == 15 && r.complete == strlen(a));
	char partial[128];
	snprintf(partial, sizeof partial, "%.*s", (int)strlen(a) - 5, a);
	CHECK(parse(partial, 0, &r) == 0 && parse(partial, 1, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 0, &r) == -1); /* no CRLF after */
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, &r) == -1);
}

static void other_answers_end_with_the_connection(void)
{
	struct client_response r;
	CHECK(parse("HTTP/1.0 503 Service Unavailable\r\n\r\n{}", 0, &r) == 0);
	CHECK(parse("HTTP/1.0 503 Service Unavailable\r\n\r\n{}", 1, &r) == 1 && r.status == 503 && !r.keep_alive &&
	      r.body_len == 2);
	CHECK(parse("HTTP/1.1 204 No Content\r\n\r\n", 0, &r) == 1 && r.body_len == 0 && r.keep_alive);
	CHECK(parse("HTTP/2 200\r\n\r\n", 1, &r) == -1);
	CHECK(parse("HTTP/1.1 2x0 OK\r\n\r\n", 1, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 1, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 1, &r) == -1);
	CHECK(parse("garbage", 0, &r) == 0 && parse("garbage", 1, &r) == -1);
}

static void urls_are_split_into_host_port_and_path(void)
{
	char host[128], port[8];
	const char *path;
	CHECK(client_url_split("http://127.0.0.1:8089/internal/holds", host, sizeof host, port, sizeof port, &path) == 0);
	CHECK(strcmp(host, "127.0.0.1") == 0 && strcmp(port, "8089") == 0 && strcmp(path, "/internal/holds") == 0);
	CHECK(client_url_split("http://rooms/x", host, sizeof host, port, sizeof port, &path) == 0 && strcmp(port, "80") == 0);
	CHECK(client_url_split("https://rooms/x", host, sizeof host, port, sizeof port, &path) == -1);
	CHECK(client_url_split("http://:80/x", host, sizeof host, port, sizeof port, &path) == -1);
	CHECK(client_url_split("http://h:8a/x", host, sizeof host, port, sizeof port, &path) == -1);
	CHECK(client_url_split("http://h:123456789/x", host, sizeof host, port, sizeof port, &path) == -1);
}

/* ---- FastCGI ---- */

/* One record of type with content c[0..n) and pad bytes of padding, appended to b. */
static void record(struct buf *b, int type, int id, const char *c, size_t n, int pad)
{
	char h[8] = {1, (char)type, (char)(id >> 8), (char)id, (char)(n >> 8), (char)(n & 0xff), (char)pad, 0};
	buf_append(b, h, 8);
	buf_append(b, c, n);
	for (int i = 0; i < pad; i++)
		buf_append(b, "\xee", 1);
}

static void end_request(struct buf *b)
{
	record(b, 3, 1, "\0\0\0\0\0\0\0\0", 8, 0);
}

/* The value of name in the PARAMS stream p (decoded as a service would), or NULL. */
static const char *param(const struct buf *p, const char *name, size_t *vlen)
{
	static char value[70000];
	const unsigned char *at = (const unsigned char *)p->data, *end = at + p->len;
	while (at < end) {
		size_t len[2];
		for (int i = 0; i < 2; i++) {
			if (*at < 128) {
				len[i] = *at++;
			} else {
				len[i] = (size_t)(at[0] & 0x7f) << 24 | (size_t)at[1] << 16 | (size_t)at[2] << 8 | at[3];
				at += 4;
			}
		}
		if (len[0] == strlen(name) && memcmp(at, name, len[0]) == 0) {
			memcpy(value, at + len[0], len[1]);
			value[len[1]] = '\0';
			*vlen = len[1];
			return value;
		}
		at += len[0] + len[1];
	}
	return NULL;
}

static void a_call_is_one_fastcgi_request_with_what_nginx_would_pass(void)
{
	struct buf req = {0}, params = {0}, in = {0};
	char body[70000];
	memset(body, 'x', sizeof body);
	client_fcgi_request(&req, "POST", "/internal/rooms/7/page?checkIn=2027-01-02&nights=3", body, sizeof body,
	                    "rid-1", "s3cret");
	/* walk the records: BEGIN, PARAMS..., empty PARAMS, STDIN..., empty STDIN */
	const unsigned char *r = (const unsigned char *)req.data;
	size_t at = 0, stdin_records = 0, ends = 0;
	CHECK(r[0] == 1 && r[1] == 1 && r[2] == 0 && r[3] == 1 && r[5] == 8);
	CHECK(r[8] == 0 && r[9] == 1 && r[10] == 0); /* responder; the connection is not kept */
	at = 16;
	while (at + 8 <= req.len) {
		size_t n = (size_t)r[at + 4] << 8 | r[at + 5];
		CHECK(r[at] == 1 && r[at + 2] == 0 && r[at + 3] == 1);
		if (r[at + 1] == 4)
			buf_append(&params, req.data + at + 8, n);
		else if (r[at + 1] == 5)
			buf_append(&in, req.data + at + 8, n), stdin_records += n > 0;
		else
			CHECK(0);
		ends += n == 0;
		at += 8 + n + r[at + 6];
	}
	CHECK(at == req.len && ends == 2 && stdin_records == 2); /* 70 000 bytes: two records */
	CHECK(in.len == sizeof body && memcmp(in.data, body, sizeof body) == 0);
	size_t n;
	CHECK(strcmp(param(&params, "REQUEST_METHOD", &n), "POST") == 0);
	CHECK(strcmp(param(&params, "DOCUMENT_URI", &n), "/internal/rooms/7/page") == 0);
	CHECK(strcmp(param(&params, "QUERY_STRING", &n), "checkIn=2027-01-02&nights=3") == 0);
	CHECK(strcmp(param(&params, "CONTENT_LENGTH", &n), "70000") == 0);
	CHECK(strcmp(param(&params, "REQUEST_ID", &n), "rid-1") == 0);
	CHECK(strcmp(param(&params, "ROOMBOOK_INTERNAL", &n), "1") == 0);
	CHECK(strcmp(param(&params, "HTTP_X_ROOMBOOK_SECRET", &n), "s3cret") == 0);
	CHECK(param(&params, "ROOMBOOK_ACCOUNT_ID", &n) == NULL); /* a call speaks for no account */
	buf_free(&req);
	buf_free(&params);

	char secret[300]; /* a value of 128 bytes or more takes a four-byte length */
	memset(secret, 'k', sizeof secret - 1);
	secret[sizeof secret - 1] = '\0';
	client_fcgi_request(&req, "GET", "/internal/payments", "", 0, "", secret);
	params.len = 0;
	for (at = 16; at + 8 <= req.len; at += 8 + ((size_t)(unsigned char)req.data[at + 4] << 8 | (unsigned char)req.data[at + 5]))
		if (req.data[at + 1] == 4)
			buf_append(&params, req.data + at + 8, (size_t)(unsigned char)req.data[at + 4] << 8 | (unsigned char)req.data[at + 5]);
	CHECK(param(&params, "HTTP_X_ROOMBOOK_SECRET", &n) && n == sizeof secret - 1);
	CHECK(strcmp(param(&params, "QUERY_STRING", &n), "") == 0 && param(&params, "REQUEST_ID", &n) == NULL);
	buf_free(&req);
	buf_free(&params);
	buf_free(&in);
}

static int fcgi_parse(const struct buf *b, int eof, struct buf *out, struct client_response *r)
{
	return client_fcgi_answer_parse(b->data, b->len, eof, out, r);
}

static void fastcgi_answers_are_read_to_their_end_request(void)
{
	struct buf b = {0}, out = {0};
	struct client_response r;
	const char *head = "Status: 201 Created\r\nContent-Type: application/json\r\n\r\n{\"id\"";
	record(&b, 6, 1, head, strlen(head), 3); /* padded */
	record(&b, 7, 1, "a warning", 9, 0);     /* stderr: not the answer */
	record(&b, 6, 1, ":1}", 3, 0);
	CHECK(fcgi_parse(&b, 0, &out, &r) == 0);  /* no end yet */
	CHECK(fcgi_parse(&b, 1, &out, &r) == -1); /* and none will come */
	record(&b, 6, 1, "", 0, 0);
	end_request(&b);
	size_t whole = b.len;
	buf_append(&b, "\1\6", 2); /* bytes after the end are not read */
	CHECK(fcgi_parse(&b, 0, &out, &r) == 1 && r.status == 201 && r.complete == whole);
	CHECK(r.body_len == 8 && memcmp(out.data + r.body_at, "{\"id\":1}", 8) == 0);
	for (size_t cut = 0; cut < whole; cut++) { /* every shorter prefix wants more */
		struct buf p = {0};
		buf_append(&p, b.data, cut);
		CHECK(fcgi_parse(&p, 0, &out, &r) == 0 && fcgi_parse(&p, 1, &out, &r) == -1);
		buf_free(&p);
	}
	b.len = 0;
	record(&b, 6, 1, "Content-Type: text/plain\r\n\r\n", 28, 0); /* no Status: 200, as in CGI */
	end_request(&b);
	CHECK(fcgi_parse(&b, 0, &out, &r) == 1 && r.status == 200 && r.body_len == 0);
	buf_free(&b);
	buf_free(&out);
}

static void broken_fastcgi_answers_are_refused(void)
{
	static const char *const heads[] = {
	    "Status: 20\r\n\r\n", "Status: 2\r\n\r\n", "Status:\r\n\r\n", "Status: 2x1 Created\r\n\r\n", "Status: 2011\r\n\r\n",
	    "Content-Type: text/plain\r\n", /* no end of the fields */
	};
	struct buf b = {0}, out = {0};
	struct client_response r;
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		b.len = 0;
		record(&b, 6, 1, heads[i], strlen(heads[i]), 0);
		end_request(&b);
		CHECK(fcgi_parse(&b, 0, &out, &r) == -1);
	}
	b.len = 0; /* another request's records */
	record(&b, 6, 2, "Status: 200\r\n\r\n", 15, 0);
	CHECK(fcgi_parse(&b, 0, &out, &r) == -1);
	b.len = 0; /* a version that is not 1 */
	record(&b, 6, 1, "Status: 200\r\n\r\n", 15, 0);
	b.data[0] = 2;
	CHECK(fcgi_parse(&b, 0, &out, &r) == -1);
	b.len = 0; /* a type a responder never sends */
	record(&b, 9, 1, "", 0, 0);
	CHECK(fcgi_parse(&b, 0, &out, &r) == -1);
	b.len = 0; /* an END_REQUEST too short to be one */
	record(&b, 6, 1, "Status: 200\r\n\r\n", 15, 0);
	record(&b, 3, 1, "\0\0", 2, 0);
	CHECK(fcgi_parse(&b, 0, &out, &r) == -1);
	CHECK(fcgi_parse(&(struct buf){0}, 1, &out, &r) == -1); /* nothing at all */
	buf_free(&b);
	buf_free(&out);
}

/* ---- calls over real sockets ---- */

static const char *sandbox;

/* A listening unix socket at <sandbox>/<name>.sock, and <NAME>_URL pointing at it. */
static int listen_as(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s/%s.sock", sandbox, name);
	unlink(a.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 8) == 0);
	char var[32], url[160];
	snprintf(var, sizeof var, "%s_URL", name);
	for (char *c = var; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	snprintf(url, sizeof url, "unix:%s", a.sun_path);
	setenv(var, url, 1);
	return fd;
}

/* libfcgi as a service uses it: one request, its parameters and body echoed as JSON. */
static void *echo_service(void *arg)
{
	FCGX_Request req;
	FCGX_InitRequest(&req, *(int *)arg, 0);
	if (FCGX_Accept_r(&req) == 0) {
		static const char *const names[] = {"REQUEST_METHOD", "DOCUMENT_URI", "QUERY_STRING", "CONTENT_LENGTH",
		                                    "CONTENT_TYPE", "ROOMBOOK_INTERNAL", "HTTP_X_ROOMBOOK_SECRET", "REQUEST_ID"};
		char body[256] = "";
		int got = FCGX_GetStr(body, sizeof body - 1, req.in);
		body[got > 0 ? got : 0] = '\0';
		json_t *echo = json_pack("{s:s}", "body", body);
		for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
			const char *v = FCGX_GetParam(names[i], req.envp);
			json_object_set_new(echo, names[i], v ? json_string(v) : json_null());
		}
		char *text = json_dumps(echo, JSON_COMPACT);
		FCGX_FPrintF(req.out, "Status: 201 Created\r\nContent-Type: application/json\r\n\r\n%s", text);
		free(text);
		json_decref(echo);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

static const char *field(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void a_call_is_served_by_libfcgi_as_nginx_would_send_it(void)
{
	int fd = listen_as("rooms");
	pthread_t t;
	pthread_create(&t, NULL, echo_service, &fd);
	char path[400]; /* a query string past 127 bytes: its length takes four bytes */
	snprintf(path, sizeof path, "/internal/rooms/7/page?checkIn=2027-01-02&note=%0300d", 7);
	struct call_result r;
	json_t *body = json_pack("{s:i}", "reservationId", 41);
	CHECK(client_call("rooms", "POST", path, body, &r) == 0);
	json_decref(body);
	pthread_join(t, NULL);
	CHECK(r.status == 201 && !r.unavailable && json_is_object(r.body));
	CHECK(strcmp(field(r.body, "REQUEST_METHOD"), "POST") == 0);
	CHECK(strcmp(field(r.body, "DOCUMENT_URI"), "/internal/rooms/7/page") == 0);
	CHECK(strlen(field(r.body, "QUERY_STRING")) == 324 && strncmp(field(r.body, "QUERY_STRING"), "checkIn=", 8) == 0);
	CHECK(strcmp(field(r.body, "body"), "{\"reservationId\":41}") == 0);
	CHECK(strcmp(field(r.body, "CONTENT_LENGTH"), "20") == 0);
	CHECK(strcmp(field(r.body, "CONTENT_TYPE"), "application/json") == 0);
	CHECK(strcmp(field(r.body, "ROOMBOOK_INTERNAL"), "1") == 0);
	CHECK(strcmp(field(r.body, "HTTP_X_ROOMBOOK_SECRET"), config_secret()) == 0 && strlen(config_secret()) == 64);
	CHECK(json_is_null(json_object_get(r.body, "REQUEST_ID"))); /* none here: none invented */
	call_result_free(&r);
	close(fd);
}

/* What a broken callee does, one connection each: close at once, send half an answer
 * and close, send nothing (CALL_TIMEOUT_MS), answer "not served". */
enum peer { CLOSE, HALF, SILENT, REFUSE };
struct peer_arg {
	int fd;
	enum peer how;
};

static void *broken_service(void *arg)
{
	struct peer_arg *p = arg;
	int c = accept(p->fd, NULL, NULL);
	char buf[4096];
	if (c >= 0 && p->how != CLOSE)
		(void)!read(c, buf, sizeof buf);
	if (c >= 0 && p->how == HALF) {
		static const unsigned char half[] = {1, 6, 0, 1, 0, 40, 0, 0, 'S', 't', 'a', 't', 'u', 's'};
		(void)!write(c, half, sizeof half);
	} else if (c >= 0 && p->how == REFUSE) {
		static const unsigned char end[] = {1, 3, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}; /* OVERLOADED */
		(void)!write(c, end, sizeof end);
	} else if (c >= 0 && p->how == SILENT) {
		usleep(600 * 1000);
	}
	if (c >= 0)
		close(c);
	return NULL;
}

static void a_broken_callee_fails_the_call_within_its_deadline(void)
{
	static const char *const names[] = {"closer", "halfer", "silent", "refuser"};
	setenv("CALL_TIMEOUT_MS", "300", 1);
	for (int how = CLOSE; how <= REFUSE; how++) {
		struct peer_arg p = {.fd = listen_as(names[how]), .how = (enum peer)how};
		pthread_t t;
		pthread_create(&t, NULL, broken_service, &p);
		struct call_result r;
		long long t0 = config_mono_ms();
		CHECK(client_call(names[how], "GET", "/internal/payments?reservationId=1", NULL, &r) == -1);
		CHECK(r.unavailable && r.status == 0 && r.body == NULL && r.retry_after >= 1);
		CHECK(config_mono_ms() - t0 < 5000); /* the deadline, not a hang (a bound, not a timing) */
		pthread_join(t, NULL);
		call_result_free(&r);
		close(p.fd);
	}
	struct call_result r; /* nothing listening at all */
	setenv("GONE_URL", "unix:/nonexistent/roombook.sock", 1);
	CHECK(client_call("gone", "GET", "/internal/x", NULL, &r) == -1 && r.unavailable);
	setenv("EMPTY_URL", "unix:", 1);
	CHECK(client_call("empty", "GET", "/internal/x", NULL, &r) == -1 && r.unavailable);
	unsetenv("CALL_TIMEOUT_MS");
}

static void a_refused_end_request_is_not_an_answer(void)
{
	struct buf b = {0}, out = {0};
	struct client_response r;
	record(&b, 6, 1, "Status: 200\r\n\r\n", 15, 0);
	record(&b, 3, 1, "\0\0\0\0\2\0\0\0", 8, 0); /* FCGI_OVERLOADED */
	CHECK(fcgi_parse(&b, 0, &out, &r) == -1 && r.refused == 2);
	b.len = 0;
	record(&b, 6, 1, "status: 404\r\n\r\n", 15, 0); /* the field's name in any case */
	end_request(&b);
	CHECK(fcgi_parse(&b, 0, &out, &r) == 1 && r.status == 404 && r.refused == 0);
	b.len = 0;
	record(&b, 6, 1, "Status: 099\r\n\r\n", 15, 0);
	end_request(&b);
	CHECK(fcgi_parse(&b, 0, &out, &r) == -1);
	buf_free(&b);
	buf_free(&out);
}

int main(void)
{
	RUN(sha256_matches_the_standards_vectors);
	RUN(answers_with_a_length_end_there);
	RUN(chunked_answers_are_read_to_their_last_chunk);
	RUN(other_answers_end_with_the_connection);
	RUN(urls_are_split_into_host_port_and_path);
	RUN(a_call_is_one_fastcgi_request_with_what_nginx_would_pass);
	RUN(fastcgi_answers_are_read_to_their_end_request);
	RUN(broken_fastcgi_answers_are_refused);
	RUN(a_refused_end_request_is_not_an_answer);
	sandbox = unit_sandbox();
	char secret_path[PATH_MAX];
	snprintf(secret_path, sizeof secret_path, "%s/secret", sandbox);
	FILE *f = fopen(secret_path, "w");
	fprintf(f, "%s\n", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	fclose(f);
	FCGX_Init();
	client_init();
	RUN(a_call_is_served_by_libfcgi_as_nginx_would_send_it);
	RUN(a_broken_callee_fails_the_call_within_its_deadline);
	client_thread_done();
	unit_sandbox_remove(sandbox);
	UNIT_END();
}
