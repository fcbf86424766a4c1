/* fcgi_main.c — the FastCGI program around one service: a pool of threads, each with
 * its own SQLite connection, serving the connections nginx makes to the socket the
 * supervisor hands over as fd 0 (or --socket PATH). nginx keeps its connections open
 * between requests (fastcgi_keep_conn, an upstream keepalive pool): a thread takes one
 * request at a time from whichever connection epoll finds readable, so an idle kept
 * connection holds no thread (libfcgi's own accept loop would park a thread on it until
 * nginx closed it). SIGTERM/SIGINT stop the accepting and serve the kept connections
 * until nginx retires them (keepalive_time/keepalive_timeout in nginx.conf, so nginx
 * never sends a request on a connection this process is closing), at most DRAIN_MS.
 * A service with the identity check (a ROUTE_AUTH route: accounts) also answers it in
 * plain HTTP on the same socket (identity_http.h), told apart by a new connection's
 * first byte.
 * A heartbeat thread touches var/run/live/<service>.<pid> every half second while every
 * accept thread runs and none has been on one request for LIVE_STUCK_MS (30 s): the
 * watchdog (scripts/watchdog) SIGKILLs a process whose file goes stale — hung, stopped,
 * or stuck — and only that one, whatever the load (a busy process still beats).
 * Compiled once per service with -DSERVICE=<name>_service. */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "db.h"
#include "identity_http.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "render.h"
#include "service.h"
#include "view.h"

#ifndef SERVICE
#error "compile with -DSERVICE=<name>_service"
#endif
extern const struct service SERVICE; /* defined by the service's own file */

#define MAX_BODY (1L << 20)

static int listen_fd;
static int answers_identity;  /* the service has a ROUTE_AUTH route: it speaks identity_http.h too */
#define HTTP_CONN (1ULL << 32) /* in an epoll event's data: the connection speaks HTTP */
static int epfd = -1;         /* the listening socket and the kept connections, EPOLLONESHOT */
static atomic_int open_conns; /* connections accepted and not yet closed */
static volatile sig_atomic_t stopping;
#define MAX_THREADS 256
static _Atomic long long busy_since[MAX_THREADS]; /* ms (monotonic) a thread took its request; 0: idle */
static atomic_int accepting;                      /* accept threads running */
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cv = PTHREAD_COND_INITIALIZER;

int service_stopping(void) { return stopping; }

int service_sleep_ms(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&stop_mu);
	while (!stopping && pthread_cond_timedwait(&stop_cv, &stop_mu, &until) == 0)
		;
	pthread_mutex_unlock(&stop_mu);
	return stopping;
}

static char *param_dup(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	return v && *v ? strdup(v) : NULL;
}

/* The same, but a header sent empty is kept (""): for headers where present but empty is
 * not absent, a request asking for a protection that must not run without it. */
static char *param_dup_present(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	return v ? strdup(v) : NULL;
}

/* Reads the body; returns 0, or 413 when it is larger than MAX_BODY. */
static int read_body(FCGX_Request *fr, struct request *r)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	long len = cl ? atol(cl) : 0;
	if (len <= 0)
		return 0;
	if (len > MAX_BODY)
		return 413;
	r->body = malloc((size_t)len + 1);
	if (!r->body)
		abort();
	int got = FCGX_GetStr(r->body, (int)len, fr->in);
	r->body_len = got > 0 ? (size_t)got : 0;
	r->body[r->body_len] = '\0';
	return 0;
}

/* Who is calling, from the parameters only the gateway sets (a client's headers arrive
 * as HTTP_* parameters and can never set these): the account the gateway's identity
 * check found, the internal listener (with the stack's secret), or the identity check
 * itself. */
static void read_identity(FCGX_Request *fr, struct request *r)
{
	const char *id = FCGX_GetParam("ROOMBOOK_ACCOUNT_ID", fr->envp);
	const char *role = FCGX_GetParam("ROOMBOOK_ACCOUNT_ROLE", fr->envp);
	const char *name = FCGX_GetParam("ROOMBOOK_ACCOUNT_NAME", fr->envp);
	char *end = NULL;
	long long n = id && *id ? strtoll(id, &end, 10) : 0;
	if (n > 0 && end && *end == '\0') {
		r->account_id = n;
		r->admin = role && strcmp(role, "admin") == 0;
		/* valid UTF-8 only: every JSON answer and page would refuse it (never the case from
		 * accounts, which stores and sends names whole) */
		r->account_name = name && *name && utf8_valid(name) ? strdup(name) : NULL;
	}
	r->internal = FCGX_GetParam("ROOMBOOK_INTERNAL", fr->envp) != NULL &&
	              config_secret_matches(FCGX_GetParam("HTTP_X_ROOMBOOK_SECRET", fr->envp));
	/* The previous release's gateway sent the identity check over FastCGI with this
	 * parameter (only an nginx.conf can set it); still answered so that a deploy from it,
	 * services first and the gateway last, never loses the check. */
	r->auth_subrequest = FCGX_GetParam("ROOMBOOK_AUTH_SUBREQUEST", fr->envp) != NULL;
	r->authorization = param_dup(fr, "HTTP_AUTHORIZATION");
	r->origin = param_dup(fr, "HTTP_ORIGIN");
	r->fetch_site = param_dup(fr, "HTTP_SEC_FETCH_SITE");
	r->host = param_dup(fr, "HTTP_HOST");
	r->remote_addr = param_dup(fr, "REMOTE_ADDR");
	r->csrf_header = param_dup(fr, "HTTP_X_CSRF_TOKEN");
	const char *https = FCGX_GetParam("HTTPS", fr->envp);
	r->https = https && strcmp(https, "on") == 0;
}

/* The writability check, at most once per HEALTH_WRITE_CHECK_MS (1000) per process
 * whatever the probe rate: it takes the write lock, and probes come often. */
static pthread_mutex_t writable_mu = PTHREAD_MUTEX_INITIALIZER;
static long long writable_at;
static int writable_rc;
static char writable_why[256];

static int check_writable(struct db *db, char *why, size_t size)
{
	pthread_mutex_lock(&writable_mu);
	long long now = config_mono_ms();
	if (!writable_at || now - writable_at >= config_long("HEALTH_WRITE_CHECK_MS", 1000)) {
		writable_rc = db_check_writable(db, writable_why, sizeof writable_why);
		writable_at = config_mono_ms();
	}
	int rc = writable_rc;
	snprintf(why, size, "%s", writable_why);
	pthread_mutex_unlock(&writable_mu);
	return rc;
}

/* live: the process serves. ready: its database is migrated and writable, and no circuit
 * of its synchronous calls is open (reservations: rooms, payments); else 503 with
 * Retry-After and "check" naming what failed. */
static int health(struct ctx *c, const char *what)
{
	if (strcmp(what, "live") == 0) {
		c->res->model = json_pack("{s:s, s:s}", "service", SERVICE.name, "status", "up");
		return 200;
	}
	char why[300] = "", target[32] = "";
	const char *check = NULL;
	int retry = 1, open;
	if (!db_is_migrated(c->db)) {
		check = "migrated";
		snprintf(why, sizeof why, "the database is not migrated");
	} else if (check_writable(c->db, why, sizeof why)) {
		check = "writable";
	} else if ((open = client_open_circuit(target, sizeof target)) > 0) {
		check = "circuit";
		retry = open;
		snprintf(why, sizeof why, "the circuit to %s is open for %d s more", target, open);
	}
	if (check) {
		int status = problem_unavailable(c, retry, why);
		json_object_set_new(c->res->model, "service", json_string(SERVICE.name));
		json_object_set_new(c->res->model, "check", json_string(check));
		if (target[0])
			json_object_set_new(c->res->model, "target", json_string(target));
		return status;
	}
	c->res->model = json_pack("{s:s, s:s, s:s}", "service", SERVICE.name, "status", "ready", "synchronous",
	                          db_synchronous(c->db));
	return 200;
}

/* Returns "live"/"ready" when path is /health/live|ready or /health/<this service>/live|ready. */
static const char *health_path(const char *path)
{
	char own[64];
	snprintf(own, sizeof own, "/health/%s/", SERVICE.name);
	if (strncmp(path, own, strlen(own)) == 0)
		path += strlen(own);
	else if (strncmp(path, "/health/", 8) == 0)
		path += 8;
	else
		return NULL;
	return strcmp(path, "live") == 0 || strcmp(path, "ready") == 0 ? path : NULL;
}

static int handle(struct ctx *c, FCGX_Request *fr)
{
	struct request *r = c->req;
	char err[256] = "";
	snprintf(r->method, sizeof r->method, "%s", FCGX_GetParam("REQUEST_METHOD", fr->envp) ? FCGX_GetParam("REQUEST_METHOD", fr->envp) : "GET");
	r->path = param_dup(fr, "DOCUMENT_URI");
	if (!r->path)
		r->path = strdup("/");
	r->query = param_dup(fr, "QUERY_STRING");
	r->content_type = param_dup(fr, "CONTENT_TYPE");
	r->content_encoding = param_dup(fr, "HTTP_CONTENT_ENCODING");
	r->accept = param_dup(fr, "HTTP_ACCEPT");
	/* present but empty is not absent: an If-Match that came out empty matches nothing
	 * (412), not an edit run unchecked; a client whose Idempotency-Key came out empty hears
	 * 400, not a request run without the protection it asked for (a retry booking twice) */
	r->if_match = param_dup_present(fr, "HTTP_IF_MATCH");
	r->if_none_match = param_dup(fr, "HTTP_IF_NONE_MATCH");
	r->idem_key = param_dup_present(fr, "HTTP_IDEMPOTENCY_KEY");
	r->request_id = param_dup(fr, "REQUEST_ID");
	if (r->request_id && !request_id_valid(r->request_id)) { /* the gateway's map lets none through */
		free(r->request_id);
		r->request_id = NULL;
	}
	r->cookie = param_dup(fr, "HTTP_COOKIE");
	read_identity(fr, r);
	log_set_request_id(r->request_id);
	request_negotiate(r);
	const char *h = health_path(r->path), *scraped;
	if (h && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		response_header(c->res, "Allow", "GET, HEAD");
		return problem(c, 405, "%s is not allowed on %s", r->method, r->path);
	}
	if (h)
		return health(c, h);
	if (metrics_path(r->path, &scraped)) {
		if (!metrics_authorized(FCGX_GetParam("ROOMBOOK_INTERNAL", fr->envp) != NULL,
		                        FCGX_GetParam("HTTP_X_ROOMBOOK_SECRET", fr->envp), r->authorization))
			return problem(c, 404, "no such resource: %s", r->path);
		return metrics_serve(c, scraped);
	}
	if (read_body(fr, r))
		return problem(c, 413, "the request body is larger than %ld bytes", MAX_BODY);
	int rc = request_check_text(r, err, sizeof err);
	if (rc)
		return problem(c, rc, "%s", err);
	r->unreadable = request_parse_query(r, r->unreadable_why, sizeof r->unreadable_why);
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
		r->body_len = 0; /* a GET means the same with whatever body it carries: none is read */
		if (r->body)
			r->body[0] = '\0';
	}
	rc = request_parse_body(r, err, sizeof err);
	if (rc && !r->unreadable) {
		r->unreadable = rc;
		snprintf(r->unreadable_why, sizeof r->unreadable_why, "%s", err);
	}
	return route_dispatch(&SERVICE, c);
}

/* What answered req, for the metrics and the request log. */
static int request_slot(const struct request *req)
{
	const char *scraped;
	if (req->route)
		return metrics_route_slot(req->route);
	if (req->path && health_path(req->path))
		return METRICS_ROUTE_HEALTH;
	if (req->path && metrics_path(req->path, &scraped))
		return METRICS_ROUTE_METRICS;
	return METRICS_ROUTE_NONE;
}

/* After a handler: the safety net for its transaction, and the log of a failure. */
static void handled(struct ctx *c)
{
	db_rollback(c->db); /* a handler never leaves a transaction open; this is the safety net */
	if (c->res->status >= 500)
		log_error("%s %s -> %d", c->req->method, c->req->path ? c->req->path : "?", c->res->status);
}

/* After the answer is sent: the metrics, the request's log line, and the memory. */
static void served(struct ctx *c, long long t0)
{
	int slot = request_slot(c->req);
	long long took = metrics_now_us() - t0;
	metrics_request(slot, c->res->status, took);
	log_request(c->req->method, metrics_route_label(slot), c->res->status, took);
	request_free(c->req);
	response_free(c->res);
	log_set_request_id(NULL);
}

static void serve(FCGX_Request *fr, struct db *db)
{
	struct request req = {0};
	struct response res = {0};
	struct ctx c = {&req, &res, db, &SERVICE};
	struct buf out = {0};
	long long t0 = metrics_now_us();
	res.status = handle(&c, fr);
	handled(&c);
	render(&c, &out);
	FCGX_PutStr(buf_str(&out), (int)out.len, fr->out);
	buf_free(&out);
	served(&c, t0);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Writes all of text[0..len) to fd; 0 or -1. */
static int send_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* nginx writes a request as it connects, and a head whole: a peer that keeps a thread
 * waiting longer for either is not nginx. */
#define HEAD_WAIT_MS 1000

/* Waits until fd has bytes to read, at most until deadline (config_mono_ms): 1 readable, 0 not. */
static int readable_by(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - config_mono_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n > 0)
			return 1;
		if (n == 0 || errno != EINTR) /* EINTR: the stop's wake-up signal */
			return 0;
	}
}

/* One identity check on an HTTP connection (identity_http.h): the head, the route's
 * answer as a status line and its headers, never a body. 1: the connection is kept;
 * 0: it was closed (by nginx, or here after a malformed head or while stopping). */
static int serve_identity(int fd, struct db *db)
{
	char head[IDENTITY_HEAD_MAX];
	size_t len = 0, end = 0, from;
	long long deadline = config_mono_ms() + HEAD_WAIT_MS;
	while (!end) {
		if (len == sizeof head) {
			log_warn("identity check: a request head longer than %zu bytes", len);
			close(fd);
			return 0;
		}
		/* epoll said readable: read first, wait only when nothing (more) came */
		ssize_t n = recv(fd, head + len, sizeof head - len, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN && !readable_by(fd, deadline)) { /* silent too long */
			close(fd);
			return 0;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) { /* closed by nginx */
			close(fd);
			return 0;
		}
		from = len > 3 ? len - 3 : 0; /* the blank line may straddle the last read */
		len += (size_t)n;
		end = identity_head_end(head + from, len - from);
		end = end ? from + end : 0;
	}
	struct identity_head h;
	if (end != len || identity_head_parse(head, len, &h) != 0) { /* nginx never pipelines */
		static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		log_warn("identity check: a malformed request head (%zu bytes)", len);
		(void)send_all(fd, bad, sizeof bad - 1);
		close(fd);
		return 0;
	}
	struct request req = {.method = "GET", .auth_subrequest = 1};
	struct response res = {0};
	struct ctx c = {&req, &res, db, &SERVICE};
	long long t0 = metrics_now_us();
	req.path = strdup("/_auth");
	req.authorization = dup_or_null(h.authorization);
	req.cookie = dup_or_null(h.cookie);
	req.remote_addr = dup_or_null(h.remote_addr);
	req.https = h.https && strcmp(h.https, "on") == 0;
	if (h.request_id && request_id_valid(h.request_id))
		req.request_id = strdup(h.request_id);
	log_set_request_id(req.request_id);
	request_negotiate(&req);
	res.status = route_dispatch(&SERVICE, &c);
	handled(&c);
	int keep = !h.close && !stopping; /* stopping: nginx drops the connection at once */
	struct buf out = {0};
	buf_printf(&out, "HTTP/1.1 %d %s\r\n", res.status, http_reason(res.status));
	if (res.status / 100 == 2)
		buf_append(&out, buf_str(&res.headers), res.headers.len);
	if (res.status != 204) /* the answer is its status and headers: any body is left out */
		buf_puts(&out, "Content-Length: 0\r\n");
	buf_puts(&out, keep ? "\r\n" : "Connection: close\r\n\r\n");
	if (send_all(fd, buf_str(&out), out.len) != 0)
		keep = 0;
	buf_free(&out);
	served(&c, t0);
	if (!keep)
		close(fd);
	return keep;
}

/* One request on a FastCGI connection, through libfcgi. 1: the connection is kept; 0:
 * libfcgi closed it. */
static int serve_fastcgi(FCGX_Request *fr, int fd, struct db *db)
{
	/* FCGX_Accept_r first finishes "the previous request", which would close the
	 * connection unless it was kept; detached: close without lingering. */
	fr->ipcFd = fd;
	fr->keepConnection = 1;
	fr->detached = 1;
	if (FCGX_Accept_r(fr) < 0) /* nginx closed it (or sent no request): closed */
		return 0;
	serve(fr, db);
	if (fr->keepConnection) { /* the next request starts after this one's stdin */
		char rest[4096];
		while (FCGX_GetStr(rest, sizeof rest, fr->in) > 0)
			;
	}
	/* Close without libfcgi's lingering shutdown, which parks this thread until nginx
	 * has closed its end: nginx reads the whole answer from the unix socket anyway, and
	 * it sent the whole request (bodies are buffered) before we answered. */
	FCGX_Detach(fr);
	FCGX_Finish_r(fr);
	int kept = fr->ipcFd >= 0;
	fr->ipcFd = -1;
	return kept;
}

/* What a new connection speaks, from its first byte (FastCGI's version, 1, or a letter
 * of HTTP's method): 1 HTTP, 0 FastCGI, -1 closed or silent for HEAD_WAIT_MS. Only
 * asked in a service with the identity check. */
static int speaks_http(int fd)
{
	unsigned char first;
	if (!readable_by(fd, config_mono_ms() + HEAD_WAIT_MS) || recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) != 1)
		return -1;
	return first != 1;
}

static void on_wake(int sig) { (void)sig; }

/* Arms fd for one readiness report to one thread (EPOLLONESHOT: never two on a connection). */
static int watch(int fd, int http, int op)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = (uint32_t)fd | (http ? HTTP_CONN : 0)};
	return epoll_ctl(epfd, op, fd, &ev);
}

/* The next connection with a request to read: a new one (*fresh), or a kept one that
 * epoll found readable (a request, or nginx closing it), *http when it speaks HTTP (or
 * is new: speaks_http tells). -1: nothing this time. */
static int next_connection(int *fresh, int *http)
{
	struct epoll_event ev;
	if (epoll_wait(epfd, &ev, 1, stopping ? 50 : -1) != 1)
		return -1; /* the stop signal, or the drain's tick */
	int fd = (int)(uint32_t)ev.data.u64;
	*http = (ev.data.u64 & HTTP_CONN) != 0;
	*fresh = fd == listen_fd;
	if (!*fresh)
		return fd;
	/* Another process may take the connection first: accept then waits at most the
	 * socket's SO_RCVTIMEO (set in main), not for the next one. */
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (!stopping)
		watch(listen_fd, 0, EPOLL_CTL_MOD);
	if (fd >= 0)
		atomic_fetch_add(&open_conns, 1);
	return fd;
}

static void *accept_loop(void *arg)
{
	_Atomic long long *since = arg;
	sigset_t wake;
	sigemptyset(&wake);
	sigaddset(&wake, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	struct db *db = db_open(SERVICE.name);
	if (!db) {
		log_error("thread cannot open its database");
		return NULL;
	}
	FCGX_Request fr;
	FCGX_InitRequest(&fr, -1, 0); /* libfcgi never accepts: it reads the connection it is given */
	atomic_fetch_add(&accepting, 1);
	long long drain_until = 0;
	for (;;) {
		if (stopping) {
			if (!drain_until)
				drain_until = config_mono_ms() + config_long("DRAIN_MS", 3000);
			if (atomic_load(&open_conns) == 0 || config_mono_ms() >= drain_until)
				break;
		}
		int fresh, http, fd = next_connection(&fresh, &http);
		if (fd < 0)
			continue;
		atomic_store(since, config_mono_ms());
		if (fresh && answers_identity && (http = speaks_http(fd)) < 0) {
			close(fd);
			atomic_store(since, 0);
			atomic_fetch_sub(&open_conns, 1);
			continue;
		}
		int kept = http ? serve_identity(fd, db) : serve_fastcgi(&fr, fd, db);
		atomic_store(since, 0);
		if (!kept) {
			atomic_fetch_sub(&open_conns, 1);
			continue;
		}
		/* kept: back to epoll, for whichever thread is free */
		if (watch(fd, http, fresh ? EPOLL_CTL_ADD : EPOLL_CTL_MOD) != 0) {
			close(fd);
			atomic_fetch_sub(&open_conns, 1);
		}
	}
	atomic_fetch_sub(&accepting, 1);
	FCGX_Free(&fr, 1);
	client_thread_done();
	db_close(db);
	return NULL;
}

/* The heartbeat (see the top of this file): every accept thread runs and none has been
 * on one request for LIVE_STUCK_MS. */
static int all_serving(void *arg)
{
	int nthreads = *(int *)arg;
	static long stuck_ms = -1;
	if (stuck_ms < 0)
		stuck_ms = config_long("LIVE_STUCK_MS", 30000);
	long long now = config_mono_ms(), oldest = 0;
	for (int i = 0; i < nthreads; i++) {
		long long t = atomic_load(&busy_since[i]);
		if (t && now - t > oldest)
			oldest = now - t;
	}
	return atomic_load(&accepting) == nthreads && oldest <= stuck_ms;
}

static void *background_loop(void *arg)
{
	(void)arg;
	struct db *db = db_open(SERVICE.name);
	if (db) {
		SERVICE.background(db);
		client_thread_done();
		db_close(db);
	}
	return NULL;
}

/* `<program> COMMAND ...`: the service's operator commands, run as the databases' owner. */
static int run_command(int argc, char **argv)
{
	if (!SERVICE.command) {
		fprintf(stderr, "%s: no commands; usage: %s [--migrate | --socket PATH]\n", SERVICE.name, SERVICE.name);
		return 2;
	}
	if (config_become_db_owner(SERVICE.name))
		return 1;
	struct db *db = db_open(SERVICE.name);
	if (!db)
		return 1;
	int rc = SERVICE.command(db, argc, argv);
	db_close(db);
	return rc;
}

int main(int argc, char **argv)
{
	/* Keep freed memory at the top of each thread's heap up to 4 MB instead of giving it
	 * back (madvise) after nearly every request: that was 3-4 % of a booking's CPU. */
	mallopt(M_TRIM_THRESHOLD, 4 << 20);
	log_init(SERVICE.name);
	if (argc > 1 && strcmp(argv[1], "--migrate") == 0) {
		struct db *db = db_open(SERVICE.name);
		db_close(db);
		return db ? 0 : 1;
	}
	if (argc > 1 && argv[1][0] != '-')
		return run_command(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "--socket") != 0) { /* --help, or what it does not know */
		fprintf(stderr, "usage: %s [--socket PATH | --migrate%s]\n"
		                "  serves on the listening socket it is given as standard input (supervisord's\n"
		                "  fcgi-program: scripts/stack), or on a unix socket it makes at PATH\n",
		        SERVICE.name, SERVICE.command ? " | COMMAND ..." : "");
		return strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? 0 : 2;
	}
	struct stat in;
	if (argc == 1 && (fstat(listen_fd, &in) != 0 || !S_ISSOCK(in.st_mode))) {
		fprintf(stderr, "%s: standard input is not a listening socket: run it under scripts/stack "
		                "(make run), or with --socket PATH (%s --help)\n", SERVICE.name, SERVICE.name);
		return 2;
	}
	client_init();
	metrics_open(SERVICE.name, SERVICE.routes, SERVICE.nroutes); /* on failure (logged), no metrics */
	if (FCGX_Init() != 0 || view_init() != 0)
		return 1;
	if (argc > 2 && strcmp(argv[1], "--socket") == 0)
		listen_fd = FCGX_OpenSocket(argv[2], 128);
	struct db *probe = db_open(SERVICE.name); /* migrate once before serving */
	if (!probe || listen_fd < 0)
		return 1;
	db_close(probe);

	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct sigaction sa = {0};
	sa.sa_handler = on_wake; /* epoll_wait returns EINTR; a request's reads and writes go on */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct timeval lost_race = {0, 1000}; /* see next_connection: about a tick of the kernel */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || setsockopt(listen_fd, SOL_SOCKET, SO_RCVTIMEO, &lost_race, sizeof lost_race) != 0 ||
	    watch(listen_fd, 0, EPOLL_CTL_ADD) != 0) {
		log_error("cannot watch the listening socket: %s", strerror(errno));
		return 1;
	}

	for (size_t i = 0; i < SERVICE.nroutes; i++)
		answers_identity |= (SERVICE.routes[i].flags & ROUTE_AUTH) != 0;
	int nthreads = (int)config_long("THREADS", 4);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	pthread_t *threads = calloc((size_t)nthreads + 1, sizeof *threads);
	if (!threads)
		return 1;
	for (int i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, accept_loop, &busy_since[i]);
	if (SERVICE.background)
		pthread_create(&threads[nthreads], NULL, background_loop, NULL);
	struct live live = {0};
	live_start(&live, SERVICE.name, all_serving, &nthreads);
	log_info("serving with %d threads", nthreads);

	sigdelset(&stop, SIGUSR1);
	int sig;
	sigwait(&stop, &sig);
	pthread_mutex_lock(&stop_mu);
	stopping = 1;
	pthread_cond_broadcast(&stop_cv);
	pthread_mutex_unlock(&stop_mu);
	live_retire(&live); /* draining is not hanging: the watchdog stops watching this process */
	epoll_ctl(epfd, EPOLL_CTL_DEL, listen_fd, NULL); /* what arrives now waits for the next process */
	log_info("signal %d: finishing requests in flight, then the kept connections", sig);
	for (int i = 0; i < nthreads; i++) {
		while (pthread_tryjoin_np(threads[i], NULL) != 0) {
			if (atomic_load(&busy_since[i]) == 0) /* waiting for a request: wake it */
				pthread_kill(threads[i], SIGUSR1);
			usleep(20000);
		}
	}
	if (SERVICE.background)
		pthread_join(threads[nthreads], NULL);
	live_stop(&live);
	free(threads);
	return 0;
}
