/* browser.h — what only browsers need: cookies, CSRF tokens,
 * flash messages. Scripts (JSON clients) never depend on any of it. */
#ifndef RB_BROWSER_H
#define RB_BROWSER_H
#include <stddef.h>

#include "http.h"

#define CSRF_FIELD "_csrf"
#define FORM_TOKEN_FIELD "_form"

/* Copies cookie `name` of r into out; returns 1 when present (and non-empty), else 0. */
int cookie_get(const struct request *r, const char *name, char *out, size_t size);
/* Like cookie_get, for values stored url-encoded: percent-decodes the value into out.
 * Returns 1 when present and non-empty; 0 (out = "") when absent, or when the value does
 * not decode (a bad escape, a NUL, not UTF-8) or does not fit in size: treated as absent. */
int cookie_get_decoded(const struct request *r, const char *name, char *out, size_t size);

/* This browser's CSRF token (32 hex chars): the cookie's, or a new one that the
 * response sets as a cookie. */
const char *csrf_token(struct ctx *c);

/* A fresh one-time form token (32 hex chars) for forms that must not run twice. */
void form_token(char out[33]);

/* Queues a one-shot message shown on the next page (via a cookie). */
void flash_set(struct ctx *c, const char *message);
/* Takes the pending flash message of the request (clearing the cookie) into out;
 * returns 1 when there was one. */
int flash_take(struct ctx *c, char *out, size_t size);
#endif
