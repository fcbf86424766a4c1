/* accounts_mail.h — the accounts service's sender of password-reset e-mails. */
#ifndef RB_ACCOUNTS_MAIL_H
#define RB_ACCOUNTS_MAIL_H
#include "lib/config.h"
#include "lib/db.h"

/* How long the link of a forgotten password works: RESET_TTL_S, 60 s to 7 days (3600). */
static inline long reset_ttl_s(void)
{
	long ttl = config_long("RESET_TTL_S", 3600);
	return ttl < 60 ? 3600 : ttl > 7L * 86400 ? 7L * 86400 : ttl;
}

/* The same in whole minutes, as pages and e-mails say it. */
static inline long reset_ttl_minutes(void) { return (reset_ttl_s() + 59) / 60; }

/* The background thread: e-mails the links that are due every MAIL_POLL_MS until
 * shutdown. Weak, as messages_background is: where accounts_mail.c is not linked (the
 * worker), accounts_service has no background thread and the program no libcurl. */
__attribute__((weak)) void accounts_background(struct db *db);
#endif
