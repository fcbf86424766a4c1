/* log.h — one line per event on stderr, each carrying the current request id. */
#ifndef RB_LOG_H
#define RB_LOG_H

/* Sets the program name printed on every line (a static string). */
void log_init(const char *program);
/* Sets this thread's request id (copied; NULL or "" clears it). */
void log_set_request_id(const char *rid);
/* Returns this thread's request id, "" when none. */
const char *log_request_id(void);
/* Writes "ts level program rid=... message" to stderr. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
