/* messages_mail.h — the e-mail sender of the messages service (messages_mail.c). */
#ifndef RB_MESSAGES_MAIL_H
#define RB_MESSAGES_MAIL_H
#include "lib/db.h"

/* The background thread: sends what is due every MAIL_POLL_MS until shutdown. Weak:
 * where messages_mail.c is not linked (the worker), messages_service has no background
 * thread and the program no libcurl. */
__attribute__((weak)) void messages_background(struct db *db);
#endif
