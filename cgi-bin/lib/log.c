/* log.c — request-id aware logging to stderr (supervisor captures it). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_program = "roombook";
static _Thread_local char log_rid[80];

void log_init(const char *program) { log_program = program; }

static size_t log_buffer_size; /* 0: stderr as it is (unbuffered: a write a line) */

void log_buffered(size_t size) { log_buffer_size = size; }

void log_set_request_id(const char *rid)
{
	snprintf(log_rid, sizeof log_rid, "%s", rid ? rid : "");
}

const char *log_request_id(void) { return log_rid; }

void log_escape(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		int ctl = *p < 0x20 || *p == 0x7f;
		if (o + (ctl ? 4 : 1) >= size)
			break;
		if (ctl) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024], safe_msg[4 * sizeof msg], safe_rid[4 * sizeof log_rid], ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof msg, fmt, ap);
	log_escape(msg, safe_msg, sizeof safe_msg); /* input quoted in msg must not forge lines */
	log_escape(log_rid, safe_rid, sizeof safe_rid);
	char line[sizeof ts + 64 + sizeof safe_rid + sizeof safe_msg];
	int n = snprintf(line, sizeof line, "%s.%03ldZ %s %s rid=%s %s\n", ts, now.tv_nsec / 1000000, level,
	                 log_program, safe_rid[0] ? safe_rid : "-", safe_msg);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof line) { /* cannot happen with these sizes; still one whole line */
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (log_buffer_size && __fpending(stderr) + (size_t)n > log_buffer_size)
		fflush(stderr); /* the line would not fit: what is there goes out first, whole lines only */
	fwrite(line, 1, (size_t)n, stderr);
}

#define LOG_FN(name, level)                                                                        \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_line(level, fmt, ap);                                                          \
		va_end(ap);                                                                        \
	}
LOG_FN(log_info, "INFO")
LOG_FN(log_warn, "WARN")
LOG_FN(log_error, "ERROR")

void log_request(const char *method, const char *route, int status, long long duration_us)
{
	static int enabled = -1;
	if (enabled < 0) { /* a benign race: every thread computes the same value */
		const char *v = getenv("REQUEST_LOG");
		enabled = v && strcmp(v, "1") == 0;
	}
	if (enabled)
		log_info("request method=%s route=%s status=%d duration_ms=%lld.%03lld", method, route, status,
		         duration_us / 1000, duration_us % 1000);
}
