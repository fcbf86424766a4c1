/* buf.h — one growable byte buffer, always NUL-terminated. */
#ifndef RB_BUF_H
#define RB_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
};

/* Appends n bytes of s. Aborts on out-of-memory (never returns failure). */
void buf_append(struct buf *b, const char *s, size_t n);
/* Appends a C string. */
void buf_puts(struct buf *b, const char *s);
/* Appends printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Appends v in decimal (what "%lld" writes, without printf's cost). */
void buf_int(struct buf *b, long long v);
/* Appends s as a JSON string, written as jansson writes json_string(s) (JSON_COMPACT):
 * `"`, `\` and control bytes escaped, UTF-8 as it is; `null` when s is not valid UTF-8
 * (json_string refuses it, and db_row_json writes null then). */
void buf_json_string(struct buf *b, const char *s);
/* Returns the contents ("" when empty); the pointer belongs to b. */
const char *buf_str(const struct buf *b);
/* Empties b but keeps its memory. */
void buf_reset(struct buf *b);
/* Frees b's memory; b can be used again afterwards. */
void buf_free(struct buf *b);
#endif
