/* access.h — who may do what (SPEC §6). The gateway ties each request to an account
 * once; these read what it set, and hold the checks every route passes through
 * (sign-in, cross-site forgery) and the ownership rules handlers apply. */
#ifndef RB_ACCESS_H
#define RB_ACCESS_H
#include "http.h"

/* The session cookie's name (set by the accounts service, read by the gateway). */
#define SESSION_COOKIE "rb_session"

/* True when the caller is owner or an admin. owner 0 (unknown) matches only an admin. */
int access_is(const struct request *r, long long owner);

/* The longest path a sign-in sends a browser back to. */
#define MAX_LOCAL_PATH 1500

/* True when s is a path on this site to send a browser to ("/x", never "//x" or
 * "/\\x"): printable ASCII, at most MAX_LOCAL_PATH bytes. */
int access_local_path(const char *s);

/* Answers a caller who must sign in first: 401 problem+json with WWW-Authenticate for
 * scripts; for browsers 303 to /sign-in?next=<where they were going> (a form post goes
 * back to its _back page with the form's values, never a card or a password). */
int access_sign_in_first(struct ctx *c);

/* The account a list is for: the caller's own; an admin may pass ?accountId=N, and
 * sees everyone's without it (*account = 0). Returns 0, or 400 for a bad accountId. */
int access_list_scope(struct ctx *c, long long *account);

/* The host whose rooms' rows a list of one booking's things (?reservationId=) shows
 * besides the caller's own: the caller, unless an admin (who sees them anyway), or 0
 * for a list of everything (SPEC §6: the host of a booking's room sees its payment,
 * ticket and messages; every list is otherwise the caller's own). */
long long access_host_scope(const struct ctx *c, long long reservation);

/* Removes field (the card's last digits, the ticket code) from every item of a list
 * that the caller sees as the host of its room rather than as its owner. */
void access_hide_from_host(const struct ctx *c, json_t *items, const char *field);

/* Checks a state-changing request against cross-site forgery, whatever its body:
 * a foreign Origin or Sec-Fetch-Site: cross-site is refused; a form post, or any
 * request carrying the session cookie, must carry the CSRF token (form field _csrf or
 * X-CSRF-Token header) equal to the csrf cookie. Returns 0, or 403 with c->res set. */
int access_forgery_check(struct ctx *c);
#endif
