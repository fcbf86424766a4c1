/* client.c — calls between services, guarded by a circuit breaker. Two ways to reach a
 * target (<TARGET>_URL):
 *   unix:<path>   FastCGI straight to the service's own socket (the default:
 *                 <var>/run/<target>.sock), a new connection per call, as nginx sends a
 *                 write: nothing in between, no HTTP to parse on either side;
 *   http://host[:port]  HTTP/1.1 to a gateway's internal listener (a small client of its
 *                 own: one kept-alive connection per thread and target).
 * Breaker: closed; after BREAKER_FAILURES consecutive failures it opens for
 * BREAKER_OPEN_MS (calls fail at once); then one probe call is let through
 * (half-open): success closes it, failure opens it again. */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

struct breaker {
	char target[32];
	int failures;
	long long open_until;
	int probing;
};

static pthread_mutex_t breakers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct breaker breakers[8];

static struct breaker *breaker_for(const char *target)
{
	for (size_t i = 0; i < sizeof breakers / sizeof *breakers; i++) {
		if (strcmp(breakers[i].target, target) == 0)
			return &breakers[i];
		if (!breakers[i].target[0]) {
			snprintf(breakers[i].target, sizeof breakers[i].target, "%s", target);
			metrics_circuit(target, 0, 0); /* closed: the metrics show the target from its first call */
			return &breakers[i];
		}
	}
	return &breakers[0];
}

/* The breaker of target, or NULL when this process never called it. Under breakers_mu. */
static struct breaker *breaker_find(const char *target)
{
	for (size_t i = 0; i < sizeof breakers / sizeof *breakers && breakers[i].target[0]; i++)
		if (strcmp(breakers[i].target, target) == 0)
			return &breakers[i];
	return NULL;
}

/* Seconds until b lets a probe through: 0 when closed or half-open. Under breakers_mu. */
static int breaker_open_for(const struct breaker *b, long long now)
{
	return b && b->open_until > now ? (int)((b->open_until - now + 999) / 1000) : 0;
}

int client_circuit_open(const char *target)
{
	pthread_mutex_lock(&breakers_mu);
	int wait = breaker_open_for(breaker_find(target), config_mono_ms());
	pthread_mutex_unlock(&breakers_mu);
	return wait;
}

int client_open_circuit(char *target, size_t size)
{
	int wait = 0;
	long long now = config_mono_ms();
	pthread_mutex_lock(&breakers_mu);
	for (size_t i = 0; i < sizeof breakers / sizeof *breakers && breakers[i].target[0] && !wait; i++)
		if ((wait = breaker_open_for(&breakers[i], now)) > 0)
			snprintf(target, size, "%s", breakers[i].target);
	pthread_mutex_unlock(&breakers_mu);
	return wait;
}

/* Returns 0 when the call may go ahead, else the seconds until the next probe. */
static int breaker_admit(const char *target, int *probe)
{
	pthread_mutex_lock(&breakers_mu);
	struct breaker *b = breaker_for(target);
	long long now = config_mono_ms();
	int wait = 0;
	*probe = 0;
	if (b->open_until > now) {
		wait = (int)((b->open_until - now + 999) / 1000);
	} else if (b->open_until) { /* half-open: one probe at a time */
		if (b->probing)
			wait = 1;
		else
			b->probing = *probe = 1;
	}
	pthread_mutex_unlock(&breakers_mu);
	return wait;
}

static void breaker_report(const char *target, int ok, int probe)
{
	pthread_mutex_lock(&breakers_mu);
	struct breaker *b = breaker_for(target);
	long long was = b->open_until;
	if (probe)
		b->probing = 0;
	if (ok) {
		b->failures = 0;
		b->open_until = 0;
	} else if (++b->failures >= config_long("BREAKER_FAILURES", 5) || probe) {
		b->open_until = config_mono_ms() + config_long("BREAKER_OPEN_MS", 5000);
		log_warn("circuit to %s is open", target);
	}
	if (b->open_until != was)
		metrics_circuit(target, b->open_until, b->open_until > 0);
	pthread_mutex_unlock(&breakers_mu);
}

/* ---- HTTP/1.1 over one kept-alive connection per thread and target address ---- */

#define MAX_RESPONSE (8L << 20)
#define CONNS 4

struct conn {
	int fd; /* -1: none */
	char host[128], port[8];
};
static _Thread_local struct conn conns[CONNS] = {{-1, "", ""}, {-1, "", ""}, {-1, "", ""}, {-1, "", ""}};

/* Splits "http://host[:port]/path" into host, port (80) and the path (from its '/').
 * Returns 0, or -1 for anything else (https is not spoken on the internal listener). */
int client_url_split(const char *url, char *host, size_t hsize, char *port, size_t psize, const char **path)
{
	if (strncmp(url, "http://", 7) != 0)
		return -1;
	const char *h = url + 7, *slash = strchr(h, '/');
	const char *end = slash ? slash : h + strlen(h);
	const char *colon = memchr(h, ':', (size_t)(end - h));
	size_t hl = (size_t)((colon ? colon : end) - h);
	if (hl == 0 || hl >= hsize)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon) {
		size_t pl = (size_t)(end - colon - 1);
		if (pl == 0 || pl >= psize || strspn(colon + 1, "0123456789") < pl)
			return -1;
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
	} else {
		snprintf(port, psize, "80");
	}
	*path = slash ? slash : "/";
	return 0;
}

/* Waits until fd is ready for events or the deadline (monotonic ms) passes: 1, or 0
 * on time out, -1 on error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - config_mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* A new connection to host:port within the deadline: the fd, or -1 (why in err). */
static int dial(const char *host, const char *port, long long deadline, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		int ok = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
		if (!ok && errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1) {
			int soerr = 0;
			socklen_t len = sizeof soerr;
			ok = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0;
			errno = soerr ? soerr : ETIMEDOUT;
		}
		if (!ok) {
			snprintf(err, errlen, "connect %s:%s: %s", host, port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	return fd;
}

/* Sends len bytes of data before the deadline; 0 or -1. */
static int send_all(int fd, const char *data, size_t len, long long deadline)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, deadline) != 1)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Reads more of the answer into b before the deadline: the bytes read, 0 at the end of
 * the stream, -1 on error or time out. */
static ssize_t fill(int fd, struct buf *b, long long deadline)
{
	char chunk[16384];
	for (;;) {
		ssize_t n = recv(fd, chunk, sizeof chunk, 0);
		if (n > 0) {
			if ((long)(b->len + (size_t)n) > MAX_RESPONSE)
				return -1;
			buf_append(b, chunk, (size_t)n);
			return n;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || wait_fd(fd, POLLIN, deadline) != 1)
			return -1;
	}
}

int client_response_parse(const char *data, size_t len, int at_eof, struct client_response *r)
{
	memset(r, 0, sizeof *r);
	const char *end = memmem(data, len, "\r\n\r\n", 4);
	if (!end)
		return at_eof || len > 65536 ? -1 : 0;
	size_t head = (size_t)(end - data) + 4;
	if (len < 12 || memcmp(data, "HTTP/1.", 7) != 0 || (data[7] != '0' && data[7] != '1') || data[8] != ' ' ||
	    !isdigit((unsigned char)data[9]) || !isdigit((unsigned char)data[10]) || !isdigit((unsigned char)data[11]))
		return -1;
	r->status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
	r->keep_alive = data[7] == '1';
	long long length = -1;
	int chunked = 0;
	for (const char *line = memchr(data, '\n', head) + 1; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end + 2 - line));
		size_t n = (size_t)(eol - line);
		if (n && line[n - 1] == '\r')
			n--;
		const char *colon = memchr(line, ':', n);
		if (colon) {
			size_t name = (size_t)(colon - line);
			const char *v = colon + 1, *vend = line + n;
			while (v < vend && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(vend - v);
			if (name == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
				length = 0;
				for (size_t i = 0; i < vl; i++) {
					if (!isdigit((unsigned char)v[i]) || length > MAX_RESPONSE)
						return -1;
					length = length * 10 + (v[i] - '0');
				}
				if (vl == 0)
					return -1;
			} else if (name == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
				chunked = vl >= 7 && strncasecmp(vend - 7, "chunked", 7) == 0;
				if (!chunked)
					return -1;
			} else if (name == 10 && strncasecmp(line, "Connection", 10) == 0) {
				if (vl == 5 && strncasecmp(v, "close", 5) == 0)
					r->keep_alive = 0;
			}
		}
		line = eol + 1;
	}
	r->body_at = head;
	if (r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200)) {
		r->body_len = 0;
		r->complete = head;
		return 1;
	}
	if (chunked) { /* size lines, data, a last 0 chunk and its empty line: decoded in place on a copy */
		size_t at = head, out = 0;
		for (;;) {
			const char *eol = memmem(data + at, len - at, "\r\n", 2);
			if (!eol)
				return at_eof ? -1 : 0;
			unsigned long long size = 0;
			const char *p = data + at;
			if (!isxdigit((unsigned char)*p))
				return -1;
			for (; p < eol && isxdigit((unsigned char)*p); p++) {
				if (size > (unsigned long long)MAX_RESPONSE)
					return -1;
				size = size * 16 + (unsigned long long)(isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10));
			}
			if (p < eol && *p != ';')
				return -1;
			at = (size_t)(eol - data) + 2;
			if (size == 0) {
				const char *trail = memmem(data + at, len - at, "\r\n", 2);
				if (!trail) /* (trailer fields are not sent by nginx) */
					return at_eof ? -1 : 0;
				r->complete = (size_t)(trail - data) + 2;
				r->body_len = out;
				r->chunked = 1;
				return 1;
			}
			if (len - at < size + 2)
				return at_eof ? -1 : 0;
			if (memcmp(data + at + size, "\r\n", 2) != 0)
				return -1;
			out += size;
			at += size + 2;
		}
	}
	if (length >= 0) {
		if ((unsigned long long)(len - head) < (unsigned long long)length)
			return at_eof ? -1 : 0;
		r->body_len = (size_t)length;
		r->complete = head + (size_t)length;
		return 1;
	}
	r->keep_alive = 0; /* the body ends with the stream */
	if (!at_eof)
		return 0;
	r->body_len = len - head;
	r->complete = len;
	return 1;
}

/* The body of a complete answer r in data, unchunked, into out. */
static void body_copy(const char *data, const struct client_response *r, struct buf *out)
{
	if (!r->chunked) {
		buf_append(out, data + r->body_at, r->body_len);
		return;
	}
	size_t at = r->body_at;
	for (;;) {
		char *eol;
		unsigned long long size = strtoull(data + at, &eol, 16);
		at = (size_t)((const char *)memmem(data + at, r->complete - at, "\r\n", 2) - data) + 2;
		if (size == 0)
			return;
		buf_append(out, data + at, (size_t)size);
		at += (size_t)size + 2;
	}
}

/* One exchange on c (a connection is made when there is none): *status and the body
 * in resp. A kept-alive connection the server had closed is dialled again once (nothing
 * was answered on it: the internal routes are idempotent by reservation id anyway).
 * Returns 0, or -1 with err set. */
static int exchange(struct conn *c, const char *host, const char *port, const struct buf *req, long long deadline,
                    long long connect_deadline, int *status, struct buf *resp, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->fd >= 0;
		if (!reused) {
			if ((c->fd = dial(host, port, connect_deadline < deadline ? connect_deadline : deadline, err, errlen)) < 0)
				return -1;
			snprintf(c->host, sizeof c->host, "%s", host);
			snprintf(c->port, sizeof c->port, "%s", port);
		}
		struct buf in = {0};
		struct client_response r;
		int rc = send_all(c->fd, req->data, req->len, deadline) ? -1 : 0;
		int parsed = 0;
		while (!rc && (parsed = client_response_parse(buf_str(&in), in.len, 0, &r)) == 0) {
			ssize_t n = fill(c->fd, &in, deadline);
			if (n <= 0) {
				parsed = n == 0 ? client_response_parse(buf_str(&in), in.len, 1, &r) : -1;
				break;
			}
		}
		if (!rc && parsed == 1) {
			*status = r.status;
			body_copy(buf_str(&in), &r, resp);
			if (!r.keep_alive || r.complete != in.len) {
				close(c->fd);
				c->fd = -1;
			}
			buf_free(&in);
			return 0;
		}
		int nothing = in.len == 0;
		buf_free(&in);
		close(c->fd);
		c->fd = -1;
		if (!(reused && nothing && config_mono_ms() < deadline)) {
			snprintf(err, errlen, "%s", rc ? "send failed" : parsed < 0 && !nothing ? "bad answer" : "no answer in time");
			return -1;
		}
	}
	snprintf(err, errlen, "no answer");
	return -1;
}

/* ---- FastCGI straight to a service's socket ---- */

enum { FCGI_BEGIN = 1, FCGI_END = 3, FCGI_PARAMS = 4, FCGI_STDIN = 5, FCGI_STDOUT = 6, FCGI_STDERR = 7 };
#define FCGI_MAX 65535 /* a record's content */

/* Records of type carrying data[0..len), split at FCGI_MAX; none when len is 0. */
static void fcgi_records(struct buf *b, int type, const char *data, size_t len)
{
	while (len) {
		size_t n = len > FCGI_MAX ? FCGI_MAX : len;
		unsigned char h[8] = {1, (unsigned char)type, 0, 1, (unsigned char)(n >> 8), (unsigned char)(n & 0xff), 0, 0};
		buf_append(b, (const char *)h, sizeof h);
		buf_append(b, data, n);
		data += n;
		len -= n;
	}
}

static void fcgi_end_stream(struct buf *b, int type)
{
	unsigned char h[8] = {1, (unsigned char)type, 0, 1, 0, 0, 0, 0};
	buf_append(b, (const char *)h, sizeof h);
}

/* A name-value pair: each length in one byte below 128, else four with the top bit set. */
static void fcgi_param(struct buf *p, const char *name, const char *value, size_t vlen)
{
	size_t lens[2] = {strlen(name), vlen};
	for (int i = 0; i < 2; i++) {
		if (lens[i] < 128) {
			unsigned char c = (unsigned char)lens[i];
			buf_append(p, (const char *)&c, 1);
		} else {
			unsigned char c[4] = {(unsigned char)(0x80 | (lens[i] >> 24)), (unsigned char)(lens[i] >> 16),
			                      (unsigned char)(lens[i] >> 8), (unsigned char)lens[i]};
			buf_append(p, (const char *)c, 4);
		}
	}
	buf_append(p, name, lens[0]);
	buf_append(p, value, vlen);
}

/* The request as nginx's internal listener would pass it (fastcgi_param in nginx.conf):
 * the parameters a service reads, ROOMBOOK_INTERNAL and the stack's secret (only the run
 * user or root can reach the socket at all), no connection kept. */
void client_fcgi_request(struct buf *req, const char *method, const char *path, const char *payload, size_t plen,
                         const char *request_id, const char *secret)
{
	static const char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0}; /* responder, connection not kept */
	fcgi_records(req, FCGI_BEGIN, begin, sizeof begin);
	const char *q = strchr(path, '?');
	size_t plain = q ? (size_t)(q - path) : strlen(path);
	char length[24];
	snprintf(length, sizeof length, "%zu", plen);
	struct buf p = {0};
	fcgi_param(&p, "REQUEST_METHOD", method, strlen(method));
	fcgi_param(&p, "DOCUMENT_URI", path, plain);
	fcgi_param(&p, "QUERY_STRING", q ? q + 1 : "", q ? strlen(q + 1) : 0);
	fcgi_param(&p, "REQUEST_URI", path, strlen(path));
	fcgi_param(&p, "SERVER_PROTOCOL", "HTTP/1.1", 8);
	fcgi_param(&p, "CONTENT_TYPE", "application/json", 16);
	fcgi_param(&p, "CONTENT_LENGTH", length, strlen(length));
	fcgi_param(&p, "HTTP_ACCEPT", "application/json", 16);
	if (request_id && *request_id)
		fcgi_param(&p, "REQUEST_ID", request_id, strlen(request_id));
	fcgi_param(&p, "ROOMBOOK_INTERNAL", "1", 1);
	fcgi_param(&p, "HTTP_X_ROOMBOOK_SECRET", secret, strlen(secret));
	fcgi_records(req, FCGI_PARAMS, p.data, p.len);
	fcgi_end_stream(req, FCGI_PARAMS);
	fcgi_records(req, FCGI_STDIN, payload, plen);
	fcgi_end_stream(req, FCGI_STDIN);
	buf_free(&p);
}

int client_fcgi_answer_parse(const char *data, size_t len, int at_eof, struct buf *out, struct client_response *r)
{
	memset(r, 0, sizeof *r);
	buf_reset(out);
	size_t at = 0;
	for (;;) {
		if (len - at < 8)
			return at_eof || len > MAX_RESPONSE ? -1 : 0;
		const unsigned char *h = (const unsigned char *)data + at;
		size_t n = (size_t)h[4] << 8 | h[5], rec = 8 + n + h[6];
		if (h[0] != 1 || (h[2] << 8 | h[3]) != 1)
			return -1;
		if (len - at < rec)
			return at_eof || len > MAX_RESPONSE ? -1 : 0;
		if (h[1] == FCGI_STDOUT) {
			buf_append(out, data + at + 8, n);
		} else if (h[1] == FCGI_END) {
			if (n < 8)
				return -1;
			if ((r->refused = h[8 + 4]) != 0) /* protocolStatus: the request was not served */
				return -1;
			r->complete = at + rec;
			break;
		} else if (h[1] != FCGI_STDERR) {
			return -1;
		}
		at += rec;
	}
	/* the STDOUT stream is a CGI answer: fields, an empty line, the body */
	const char *o = buf_str(out), *end = memmem(o, out->len, "\r\n\r\n", 4);
	if (!end)
		return -1;
	r->status = 200;
	for (const char *line = o; line < end;) {
		const char *eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		if ((size_t)(eol - line) >= 7 && strncasecmp(line, "Status:", 7) == 0) {
			const char *v = line + 7;
			while (v < eol && *v == ' ')
				v++;
			if (eol - v < 3 || v[0] < '1' || v[0] > '5' || !isdigit((unsigned char)v[1]) ||
			    !isdigit((unsigned char)v[2]) || (eol - v > 3 && v[3] != ' '))
				return -1;
			r->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
		}
		line = eol + 2;
	}
	r->body_at = (size_t)(end - o) + 4;
	r->body_len = out->len - r->body_at;
	return 1;
}

/* A connection to the unix socket at path within the deadline (a full accept queue is
 * waited for, as a blocking connect does, up to the deadline): the fd, non-blocking, or -1. */
static int dial_unix(const char *path, long long deadline, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (!*path || strlen(path) >= sizeof a.sun_path) {
		snprintf(err, errlen, "socket path %s", *path ? "too long" : "empty");
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	long long left = deadline - config_mono_ms();
	struct timeval tv = {.tv_sec = left > 0 ? left / 1000 : 0, .tv_usec = left > 0 ? (left % 1000) * 1000 : 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		snprintf(err, errlen, "connect %.107s: %s", path, errno == EAGAIN ? "accept queue full" : strerror(errno));
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* One call over FastCGI to the socket at sock; 0 or -1 with err set. The answer is
 * parsed again from its start as bytes come (an answer is a few KB, one read); the
 * deadline bounds that too. */
static int fcgi_call(const char *sock, const char *method, const char *path, const char *payload, size_t plen,
                     int *status, struct buf *resp, char *err, size_t errlen)
{
	long long now = config_mono_ms(), deadline = now + config_long("CALL_TIMEOUT_MS", 1500);
	int fd = dial_unix(sock, now + 500 < deadline ? now + 500 : deadline, err, errlen);
	if (fd < 0)
		return -1;
	struct buf req = {0}, in = {0}, out = {0};
	struct client_response r = {0};
	client_fcgi_request(&req, method, path, payload, plen, log_request_id(), config_secret());
	const char *why = send_all(fd, req.data, req.len, deadline) ? "send failed" : NULL;
	int parsed = 0;
	while (!why && parsed == 0) {
		ssize_t n = config_mono_ms() < deadline ? fill(fd, &in, deadline) : -1;
		if (n < 0)
			why = (long)in.len + 16384 > MAX_RESPONSE        ? "answer too large"
			      : config_mono_ms() >= deadline          ? (in.len ? "answer cut short (no more in time)" : "no answer in time")
			      : !in.len && errno == ECONNRESET        ? "closed without an answer"
			                                              : "read failed";
		else if ((parsed = client_fcgi_answer_parse(buf_str(&in), in.len, n == 0, &out, &r)) < 0)
			why = r.refused             ? "refused"
			      : n == 0 && !in.len ? "closed without an answer"
			      : n == 0            ? "answer cut short"
			                          : "bad answer";
	}
	close(fd);
	if (parsed == 1) {
		*status = r.status;
		buf_append(resp, out.data + r.body_at, r.body_len);
	} else if (r.refused) {
		snprintf(err, errlen, "refused (FastCGI protocol status %d)", r.refused);
	} else {
		snprintf(err, errlen, "%s", why);
	}
	buf_free(&req);
	buf_free(&in);
	buf_free(&out);
	return parsed == 1 ? 0 : -1;
}

/* The kept-alive connection of this thread to host:port (a free slot, or the oldest). */
static struct conn *conn_for(const char *host, const char *port)
{
	for (int i = 0; i < CONNS; i++)
		if (conns[i].fd >= 0 && strcmp(conns[i].host, host) == 0 && strcmp(conns[i].port, port) == 0)
			return &conns[i];
	for (int i = 0; i < CONNS; i++)
		if (conns[i].fd < 0)
			return &conns[i];
	close(conns[0].fd);
	conns[0].fd = -1;
	return &conns[0];
}

/* Where target is reached: <TARGET>_URL, else its socket in <var>/run; but through the
 * gateway's internal listener when the gateway caps the target (MAX_CONNS_<TARGET>), so
 * that the cap counts these calls too (operations.md "Circuit breaking at the gateway"). */
static void target_base(const char *target, char *out, size_t size)
{
	char var[48], cap[48], def[400];
	snprintf(var, sizeof var, "%s_URL", target);
	for (char *p = var; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	snprintf(cap, sizeof cap, "MAX_CONNS_%.*s", (int)(strlen(var) - 4), var);
	if (config_long(cap, 0) > 0)
		snprintf(def, sizeof def, "http://127.0.0.1:%ld", config_long("INTERNAL_PORT", 8089));
	else
		snprintf(def, sizeof def, "unix:%s/run/%s.sock", config_var(), target);
	snprintf(out, size, "%s", config_str(var, def));
}

/* One call over HTTP to url (http://host[:port]/path); 0 or -1 with err set. */
static int http_call(const char *method, const char *url, const char *payload, size_t plen, int *status,
                     struct buf *resp, char *err, size_t errlen)
{
	char host[128], port[8];
	const char *upath;
	if (client_url_split(url, host, sizeof host, port, sizeof port, &upath)) {
		snprintf(err, errlen, "not an http:// or unix: URL");
		return -1;
	}
	struct buf req = {0};
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
	                 "Accept: application/json\r\nContent-Length: %zu\r\n", method, upath, host, port, plen);
	if (log_request_id()[0])
		buf_printf(&req, "X-Request-Id: %s\r\n", log_request_id());
	buf_printf(&req, "X-Roombook-Secret: %s\r\n\r\n", config_secret()); /* a header: never in a URL or a log */
	buf_append(&req, payload, plen);
	long long now = config_mono_ms();
	int rc = exchange(conn_for(host, port), host, port, &req, now + config_long("CALL_TIMEOUT_MS", 1500), now + 500,
	                  status, resp, err, errlen);
	buf_free(&req);
	return rc;
}

int client_call(const char *target, const char *method, const char *path, json_t *body,
                struct call_result *out)
{
	int probe;
	memset(out, 0, sizeof *out);
	int wait = breaker_admit(target, &probe);
	if (wait) {
		out->unavailable = 1;
		out->retry_after = wait;
		return -1;
	}
	char base[512], url[1024], err[256] = "";
	struct buf resp = {0};
	int status = 0, rc;
	target_base(target, base, sizeof base);
	snprintf(url, sizeof url, "%s%s", base, path);
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t plen = payload ? strlen(payload) : 0;
	if (strncmp(base, "unix:", 5) == 0)
		rc = fcgi_call(base + 5, method, path, payload ? payload : "", plen, &status, &resp, err, sizeof err);
	else
		rc = http_call(method, url, payload ? payload : "", plen, &status, &resp, err, sizeof err);
	free(payload);
	out->status = rc ? 0 : status;
	out->body = resp.len ? json_loadb(buf_str(&resp), resp.len, JSON_DECODE_ANY, NULL) : NULL;
	out->unavailable = rc != 0 || status >= 500 || status == 0;
	if (out->unavailable) {
		out->retry_after = 1;
		log_warn("call %s %s -> %s (%d)", method, url, rc ? err : "error", out->status);
	}
	breaker_report(target, !out->unavailable, probe);
	buf_free(&resp);
	return out->unavailable ? -1 : 0;
}

void call_result_free(struct call_result *out)
{
	json_decref(out->body);
	out->body = NULL;
}

void client_init(void) {}

void client_thread_done(void)
{
	for (int i = 0; i < CONNS; i++)
		if (conns[i].fd >= 0) {
			close(conns[i].fd);
			conns[i].fd = -1;
		}
}
