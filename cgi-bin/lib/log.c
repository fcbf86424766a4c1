/* log.c — request-id aware logging to stderr (supervisor captures it). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_program = "roombook";
static _Thread_local char log_rid[80];

void log_init(const char *program) { log_program = program; }

void log_set_request_id(const char *rid)
{
	snprintf(log_rid, sizeof log_rid, "%s", rid ? rid : "");
}

const char *log_request_id(void) { return log_rid; }

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024], ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "%s.%03ldZ %s %s rid=%s %s\n", ts, now.tv_nsec / 1000000, level, log_program,
	        log_rid[0] ? log_rid : "-", msg);
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
