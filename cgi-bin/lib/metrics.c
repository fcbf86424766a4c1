/* metrics.c — counters in a file every process of a program maps (metrics.h). */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "service.h"

#define M_MAGIC 0x5242534d45545231ULL /* "RBSMETR1" */
#define M_VERSION 1
#define M_ROUTES 64   /* route slots: the program's routes, then the pseudo routes */
#define M_CODES 500   /* status 100..599 */
#define M_BUCKETS 12  /* see bucket_ms, the last is +Inf */
#define M_PROCS 32    /* processes of one program at once */
#define M_TARGETS 8   /* circuit breaker targets */
#define METRICS_SERIES 128
#define M_KEY 120

static const double bucket_ms[M_BUCKETS - 1] = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};

struct m_route {
	char method[8];
	char pattern[88];
	uint64_t codes[M_CODES];
	uint64_t buckets[M_BUCKETS]; /* not cumulative; rendered cumulative */
	uint64_t sum_us;
};

struct m_proc {
	int32_t pid; /* 0: free */
	int32_t pad;
	int64_t open_until_ms[M_TARGETS]; /* config_mono_ms clock (CLOCK_MONOTONIC: system-wide) */
};

struct m_series {
	char key[M_KEY]; /* "family{labels}"; "" = free */
	uint64_t value;
};

struct m_file {
	uint64_t magic;
	uint32_t version, size;
	char program[32];
	uint32_t nroutes;
	uint32_t pad;
	uint64_t busy_waits, busy_wait_ns, busy_timeouts, writer_waits;
	char target[M_TARGETS][32];
	uint64_t circuit_opened[M_TARGETS];
	struct m_proc procs[M_PROCS];
	struct m_series series[METRICS_SERIES];
	struct m_route routes[M_ROUTES];
};

static struct m_file *mf;        /* this program's file; NULL: hooks do nothing */
static int mf_fd = -1;
static int my_proc = -1;
static const struct route *my_routes;
static size_t my_nroutes;
static pthread_mutex_t claim_mu = PTHREAD_MUTEX_INITIALIZER; /* flock does not separate threads */

#define ADD(field, n) __atomic_fetch_add(&(field), (uint64_t)(n), __ATOMIC_RELAXED)
#define GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

long long metrics_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void file_path(const char *program, char *out, size_t size)
{
	snprintf(out, size, "%s/run/%s.metrics", config_var(), program);
}

static int alive(int32_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

/* Under the file lock: a free slot (or one of a process that died) becomes ours. */
static void claim_proc(void)
{
	for (int i = 0; i < M_PROCS; i++) {
		struct m_proc *p = &mf->procs[i];
		if (p->pid == getpid() || !alive(p->pid)) {
			memset(p, 0, sizeof *p);
			__atomic_store_n(&p->pid, (int32_t)getpid(), __ATOMIC_RELEASE);
			my_proc = i;
			return;
		}
	}
	log_warn("metrics: more than %d processes of %s; circuit states of this one are not shown", M_PROCS,
	         mf->program);
}

int metrics_open(const char *program, const struct route *routes, size_t nroutes)
{
	char path[512];
	file_path(program, path, sizeof path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		log_warn("metrics: cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct stat st;
	int fresh = fstat(fd, &st) != 0 || st.st_size != (off_t)sizeof(struct m_file);
	if (fresh && (ftruncate(fd, 0) != 0 || ftruncate(fd, sizeof(struct m_file)) != 0)) {
		log_warn("metrics: cannot size %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	struct m_file *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		log_warn("metrics: cannot map %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (m->magic != M_MAGIC || m->version != M_VERSION || m->size != sizeof *m ||
	    strcmp(m->program, program) != 0)
		fresh = 1;
	/* A different table of routes (a new build) starts the counters afresh. */
	for (size_t i = 0; !fresh && i < nroutes && i < M_ROUTES - 3; i++)
		if (strncmp(m->routes[i].method, routes[i].method, sizeof m->routes[i].method) != 0 ||
		    strncmp(m->routes[i].pattern, routes[i].pattern, sizeof m->routes[i].pattern) != 0)
			fresh = 1;
	if (fresh || m->nroutes != nroutes) {
		memset(m, 0, sizeof *m);
		m->magic = M_MAGIC;
		m->version = M_VERSION;
		m->size = sizeof *m;
		snprintf(m->program, sizeof m->program, "%s", program);
		m->nroutes = (uint32_t)nroutes;
		for (size_t i = 0; i < nroutes && i < M_ROUTES - 3; i++) {
			snprintf(m->routes[i].method, sizeof m->routes[i].method, "%s", routes[i].method);
			snprintf(m->routes[i].pattern, sizeof m->routes[i].pattern, "%s", routes[i].pattern);
		}
		if (nroutes > M_ROUTES - 3)
			log_warn("metrics: %zu routes; those past %d are counted as (none)", nroutes, M_ROUTES - 3);
	}
	mf = m;
	mf_fd = fd;
	my_routes = routes;
	my_nroutes = nroutes;
	claim_proc();
	flock(fd, LOCK_UN);
	return 0;
}

/* Pseudo routes take the last slots. */
static int slot_index(int slot)
{
	if (slot >= 0 && slot < M_ROUTES - 3)
		return slot;
	return slot == METRICS_ROUTE_HEALTH ? M_ROUTES - 2 : slot == METRICS_ROUTE_METRICS ? M_ROUTES - 1 : M_ROUTES - 3;
}

int metrics_route_slot(const struct route *r)
{
	if (!r || !my_routes || r < my_routes || r >= my_routes + my_nroutes)
		return METRICS_ROUTE_NONE;
	return (int)(r - my_routes);
}

const char *metrics_route_label(int slot)
{
	if (slot >= 0 && my_routes && (size_t)slot < my_nroutes)
		return my_routes[slot].pattern;
	return slot == METRICS_ROUTE_HEALTH ? "/health" : slot == METRICS_ROUTE_METRICS ? "/metrics" : "(none)";
}

void metrics_request(int slot, int status, long long duration_us)
{
	if (!mf)
		return;
	struct m_route *r = &mf->routes[slot_index(slot)];
	if (status >= 100 && status < 100 + M_CODES)
		ADD(r->codes[status - 100], 1);
	int b = 0;
	while (b < M_BUCKETS - 1 && duration_us > bucket_ms[b] * 1000)
		b++;
	ADD(r->buckets[b], 1);
	ADD(r->sum_us, duration_us > 0 ? duration_us : 0);
}

void metrics_count(const char *series, long long n)
{
	if (!mf || strlen(series) >= M_KEY)
		return;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < METRICS_SERIES; i++) {
			struct m_series *s = &mf->series[i];
			if (!__atomic_load_n(&s->key[0], __ATOMIC_ACQUIRE))
				break; /* slots are taken in order: the rest are free */
			if (strcmp(s->key, series) == 0) {
				ADD(s->value, n);
				return;
			}
		}
		if (pass)
			return; /* the table is full */
		/* Not there: take the first free slot under both locks, unless another thread
		 * or process took one for it meanwhile (the second pass finds it). */
		pthread_mutex_lock(&claim_mu);
		flock(mf_fd, LOCK_EX);
		int i = 0;
		while (i < METRICS_SERIES && mf->series[i].key[0] && strcmp(mf->series[i].key, series) != 0)
			i++;
		if (i < METRICS_SERIES && !mf->series[i].key[0]) {
			memcpy(mf->series[i].key + 1, series + 1, strlen(series)); /* the NUL too */
			__atomic_store_n(&mf->series[i].key[0], series[0], __ATOMIC_RELEASE);
		}
		flock(mf_fd, LOCK_UN);
		pthread_mutex_unlock(&claim_mu);
	}
}

void metrics_busy_wait(int first, long long ns, int gave_up)
{
	if (!mf)
		return;
	if (first)
		ADD(mf->busy_waits, 1);
	if (ns > 0)
		ADD(mf->busy_wait_ns, ns);
	if (gave_up)
		ADD(mf->busy_timeouts, 1);
}

void metrics_writer_wait(void)
{
	if (mf)
		ADD(mf->writer_waits, 1);
}

static int target_index(const char *target)
{
	for (int i = 0; i < M_TARGETS; i++)
		if (strncmp(mf->target[i], target, sizeof mf->target[i]) == 0)
			return i;
	pthread_mutex_lock(&claim_mu);
	flock(mf_fd, LOCK_EX);
	int found = -1;
	for (int i = 0; i < M_TARGETS && found < 0; i++) {
		if (!mf->target[i][0])
			snprintf(mf->target[i], sizeof mf->target[i], "%s", target);
		if (strncmp(mf->target[i], target, sizeof mf->target[i]) == 0)
			found = i;
	}
	flock(mf_fd, LOCK_UN);
	pthread_mutex_unlock(&claim_mu);
	return found;
}

void metrics_circuit(const char *target, long long open_until_ms, int opened)
{
	if (!mf)
		return;
	int t = target_index(target);
	if (t < 0)
		return;
	if (opened)
		ADD(mf->circuit_opened[t], 1);
	if (my_proc >= 0)
		__atomic_store_n(&mf->procs[my_proc].open_until_ms[t], (int64_t)open_until_ms, __ATOMIC_RELAXED);
}

int metrics_path(const char *path, const char **name)
{
	if (strncmp(path, "/metrics/", 9) != 0)
		return 0;
	const char *n = path + 9;
	size_t len = strspn(n, "abcdefghijklmnopqrstuvwxyz_");
	if (len == 0 || len >= 32 || n[len])
		return 0;
	*name = n;
	return 1;
}

int metrics_authorized(int internal_listener, const char *secret_header, const char *authorization)
{
	if (!internal_listener)
		return 0;
	if (config_secret_matches(secret_header))
		return 1;
	return authorization && strncmp(authorization, "Bearer ", 7) == 0 && config_secret_matches(authorization + 7);
}

/* ---- rendering ---- */

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_requests(const struct m_file *m, struct buf *out)
{
	static const char *const pseudo[] = {"(none)", "/health", "/metrics"};
	family(out, "roombook_http_requests_total", "counter",
	       "Requests answered by the program, by route pattern and status code.");
	for (int i = 0; i < M_ROUTES; i++) {
		const struct m_route *r = &m->routes[i];
		const char *pattern = i < M_ROUTES - 3 ? r->pattern : pseudo[i - (M_ROUTES - 3)];
		const char *method = i < M_ROUTES - 3 ? r->method : "";
		for (int c = 0; c < M_CODES; c++) {
			uint64_t v = GET(r->codes[c]);
			if (v)
				buf_printf(out, "roombook_http_requests_total{method=\"%s\",route=\"%s\",code=\"%d\"} %llu\n",
				           method, pattern, c + 100, (unsigned long long)v);
		}
	}
	family(out, "roombook_http_request_duration_seconds", "histogram",
	       "Time from the request's arrival in the program to its answer, by route pattern.");
	for (int i = 0; i < M_ROUTES; i++) {
		const struct m_route *r = &m->routes[i];
		uint64_t b[M_BUCKETS], total = 0;
		for (int k = 0; k < M_BUCKETS; k++)
			total += b[k] = GET(r->buckets[k]);
		if (!total)
			continue;
		const char *pattern = i < M_ROUTES - 3 ? r->pattern : pseudo[i - (M_ROUTES - 3)];
		const char *method = i < M_ROUTES - 3 ? r->method : "";
		uint64_t cum = 0;
		for (int k = 0; k < M_BUCKETS; k++) {
			cum += b[k];
			char le[16];
			if (k < M_BUCKETS - 1)
				snprintf(le, sizeof le, "%g", bucket_ms[k] / 1000);
			else
				snprintf(le, sizeof le, "+Inf");
			buf_printf(out, "roombook_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%s\"} %llu\n",
			           method, pattern, le, (unsigned long long)cum);
		}
		buf_printf(out, "roombook_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", method,
		           pattern, (double)GET(r->sum_us) / 1e6);
		buf_printf(out, "roombook_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", method,
		           pattern, (unsigned long long)cum);
	}
}

/* Labelled counters, grouped by family (the text before '{'), each family once. */
static void render_series(const struct m_file *m, struct buf *out)
{
	static const struct {
		const char *family, *help;
	} helps[] = {
		{"roombook_bookings_total", "Bookings by final outcome (status and reason)."},
		{"roombook_events_handled_total",
		 "Events the worker handled, by consumer, source and outcome (applied, retry, parked)."},
	};
	int done[METRICS_SERIES] = {0};
	for (int i = 0; i < METRICS_SERIES; i++) {
		if (done[i] || !__atomic_load_n(&m->series[i].key[0], __ATOMIC_ACQUIRE))
			continue;
		size_t flen = strcspn(m->series[i].key, "{");
		char fam[M_KEY];
		snprintf(fam, sizeof fam, "%.*s", (int)flen, m->series[i].key);
		const char *help = "Events counted by the program.";
		for (size_t h = 0; h < sizeof helps / sizeof *helps; h++)
			if (strcmp(helps[h].family, fam) == 0)
				help = helps[h].help;
		family(out, fam, "counter", help);
		for (int j = i; j < METRICS_SERIES; j++) {
			const char *key = m->series[j].key;
			if (done[j] || !key[0] || strcspn(key, "{") != flen || strncmp(key, fam, flen) != 0)
				continue;
			done[j] = 1;
			buf_printf(out, "%s %llu\n", key, (unsigned long long)GET(m->series[j].value));
		}
	}
}

static void render_circuits(const struct m_file *m, struct buf *out)
{
	static const char *const states[] = {"closed", "open", "half_open"};
	long long now = config_mono_ms();
	int any = 0;
	for (int t = 0; t < M_TARGETS; t++)
		any |= m->target[t][0] != 0;
	if (!any)
		return;
	family(out, "roombook_circuit_state", "gauge",
	       "Processes of the program whose circuit breaker to the target is in the state.");
	for (int t = 0; t < M_TARGETS && m->target[t][0]; t++) {
		int n[3] = {0, 0, 0};
		for (int p = 0; p < M_PROCS; p++) {
			if (!alive(m->procs[p].pid))
				continue;
			long long until = __atomic_load_n(&m->procs[p].open_until_ms[t], __ATOMIC_RELAXED);
			n[until == 0 ? 0 : until > now ? 1 : 2]++;
		}
		for (int s = 0; s < 3; s++)
			buf_printf(out, "roombook_circuit_state{target=\"%.32s\",state=\"%s\"} %d\n", m->target[t], states[s],
			           n[s]);
	}
	family(out, "roombook_circuit_opened_total", "counter", "Times a circuit breaker to the target opened.");
	for (int t = 0; t < M_TARGETS && m->target[t][0]; t++)
		buf_printf(out, "roombook_circuit_opened_total{target=\"%.32s\"} %llu\n", m->target[t],
		           (unsigned long long)GET(m->circuit_opened[t]));
}

static void render_file(const struct m_file *m, struct buf *out)
{
	int procs = 0;
	for (int p = 0; p < M_PROCS; p++)
		procs += alive(m->procs[p].pid);
	family(out, "roombook_processes", "gauge", "Processes of the program running now.");
	buf_printf(out, "roombook_processes %d\n", procs);
	if (m->nroutes)
		render_requests(m, out);
	render_series(m, out);
	render_circuits(m, out);
	family(out, "roombook_sqlite_busy_waits_total", "counter",
	       "Write transactions that found the database locked by another process and waited.");
	buf_printf(out, "roombook_sqlite_busy_waits_total %llu\n", (unsigned long long)GET(m->busy_waits));
	family(out, "roombook_sqlite_busy_wait_seconds_total", "counter",
	       "Time spent waiting for another process's write lock.");
	buf_printf(out, "roombook_sqlite_busy_wait_seconds_total %.6f\n", (double)GET(m->busy_wait_ns) / 1e9);
	family(out, "roombook_sqlite_busy_timeouts_total", "counter",
	       "Waits for the write lock that gave up (DB_BUSY_TIMEOUT_MS).");
	buf_printf(out, "roombook_sqlite_busy_timeouts_total %llu\n", (unsigned long long)GET(m->busy_timeouts));
	family(out, "roombook_sqlite_writer_waits_total", "counter",
	       "Write transactions that queued behind another thread of the same process.");
	buf_printf(out, "roombook_sqlite_writer_waits_total %llu\n", (unsigned long long)GET(m->writer_waits));
}

int metrics_render(const char *program, struct buf *out)
{
	if (mf && strcmp(mf->program, program) == 0) {
		render_file(mf, out);
		return 0;
	}
	char path[512];
	file_path(program, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_size != (off_t)sizeof(struct m_file)) {
		close(fd);
		return -1;
	}
	const struct m_file *m = mmap(NULL, sizeof *m, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	int rc = m->magic == M_MAGIC && m->version == M_VERSION ? 0 : -1;
	if (!rc)
		render_file(m, out);
	munmap((void *)m, sizeof *m);
	return rc;
}
