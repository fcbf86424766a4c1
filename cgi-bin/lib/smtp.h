/* smtp.h — hands one message to an SMTP server with libcurl (smtp:// or smtps://). */
#ifndef RB_SMTP_H
#define RB_SMTP_H
#include <stddef.h>

#define CURL_ERROR_SIZE_RB 256 /* libcurl's CURL_ERROR_SIZE */

struct smtp_result {
	long code;         /* the server's last reply code, 0 when none came */
	int permanent;     /* the server refused for good (5xx), retrying will not help */
	char error[160];   /* what went wrong, for the delivery status: no host, port or URL */
	char detail[CURL_ERROR_SIZE_RB]; /* libcurl's own words, for the log (may name the host) */
};

/* Sends len bytes of message (CRLF lines) from the envelope address from to to through
 * url, within timeout_ms. starttls: require STARTTLS on smtp:// (the certificate is
 * verified; smtps:// always is). cancel (may be NULL) is asked while the conversation
 * runs; when it returns nonzero the attempt ends at once (a stopping process does not
 * wait out the timeout). Returns 0 when the server accepted the message, -1 with out
 * filled when not. Uses its own libcurl handle: any thread may call it. */
int smtp_send(const char *url, const char *from, const char *to, const char *message, size_t len,
              long timeout_ms, int starttls, int (*cancel)(void), struct smtp_result *out);
#endif
