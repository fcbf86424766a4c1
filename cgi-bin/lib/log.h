/* log.h — one line per event on stderr, each carrying the current request id. */
#ifndef RB_LOG_H
#define RB_LOG_H
#include <stddef.h>

/* Sets the program name printed on every line (a static string). */
void log_init(const char *program);
/* The log (stderr) is fully buffered in a buffer of size bytes (the worker's): every
 * line then goes out whole, in one write, never split across two (workers share a log
 * file, and a reader must never see half a line). */
void log_buffered(size_t size);
/* Sets this thread's request id (copied; NULL or "" clears it). */
void log_set_request_id(const char *rid);
/* Returns this thread's request id, "" when none. */
const char *log_request_id(void);
/* Copies in to out (size bytes, > 0, always NUL-terminated) with every byte below 0x20
 * and 0x7f written as \xNN, so that what it quotes stays on one line; cuts at a whole
 * byte, never inside an escape, when out is too small. */
void log_escape(const char *in, char *out, size_t size);
/* Writes "ts level program rid=... message" to stderr, always as one line: control
 * characters in the message and the request id are escaped (log_escape). */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The one line per answered request (when REQUEST_LOG=1), key=value after the rid:
 * "request method=GET route=/rooms/{id} status=200 duration_ms=0.412". route is the
 * route's pattern (never the path: no ids, no user input). */
void log_request(const char *method, const char *route, int status, long long duration_us);
#endif
