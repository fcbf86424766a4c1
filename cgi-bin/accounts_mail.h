/* accounts_mail.h — the accounts service's sender of password-reset e-mails. */
#ifndef RB_ACCOUNTS_MAIL_H
#define RB_ACCOUNTS_MAIL_H
#include "lib/db.h"

/* The background thread: e-mails the links that are due every MAIL_POLL_MS until
 * shutdown. Weak, as messages_background is: where accounts_mail.c is not linked (the
 * worker), accounts_service has no background thread and the program no libcurl. */
__attribute__((weak)) void accounts_background(struct db *db);
#endif
