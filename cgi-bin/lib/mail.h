/* mail.h — an e-mail as Internet Message Format text (RFC 5322) with MIME parts
 * (RFC 2045-2047): a plain-text and an HTML body as multipart/alternative, and an
 * optional attachment (the booking's .ics) around them as multipart/mixed.
 *
 * Header injection: no value reaches a header as it is. Control characters (CR and LF
 * among them) become spaces, anything but plain printable ASCII is written as RFC 2047
 * encoded words, and addresses must pass mail_address_ok, so a room or account name
 * can never end a header line and start another. Bodies are quoted-printable (a line
 * of a body can never look like a MIME boundary: each message has a random one, and a
 * leading '-' or '.' is always encoded) and the attachment base64. */
#ifndef RB_MAIL_H
#define RB_MAIL_H
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define MAIL_ADDRESS_MAX 254

struct mail {
	const char *from_name;  /* display name or NULL */
	const char *from_addr;  /* bare address (mail_address_ok) */
	const char *to_name;    /* display name or NULL */
	const char *to_addr;    /* bare address (mail_address_ok) */
	const char *subject;    /* UTF-8, any characters */
	const char *message_id; /* "<...@...>": the same on every attempt to send one message */
	time_t date;
	const char *text;       /* text/plain body, UTF-8, "\n" or "\r\n" line ends */
	const char *html;       /* text/html body; NULL: text only */
	const char *attachment; /* NULL, or the attachment's bytes (attachment_len) */
	size_t attachment_len;
	const char *attachment_type; /* e.g. "text/calendar; charset=UTF-8; method=PUBLISH" */
	const char *attachment_name; /* file name, [A-Za-z0-9._-] only */
	const char *boundary;        /* NULL: random (tests pass their own) */
};

/* True when s is a bare address usable in To and in SMTP's RCPT TO: printable ASCII
 * without spaces, quotes, brackets, commas or semicolons, one '@' with text on both
 * sides, at most MAIL_ADDRESS_MAX bytes. */
int mail_address_ok(const char *s);

/* Splits a From setting, "Name <addr>" or "addr", into its display name (possibly "")
 * and its address. Returns 0, or -1 when there is no usable address. */
int mail_parse_from(const char *from, char *name, size_t name_size, char *addr, size_t addr_size);

/* Whether the stack sends e-mail, from its settings (SMTP_URL, MAIL_FROM): 0 when it
 * does; -1 when it does not, with why (for the operator: names the setting) in why.
 * The messages service sends by it; pages promise an e-mail only when it says 0. */
int mail_off_reason(char *why, size_t why_size);

/* The domain of a usable address (what follows the '@'). */
const char *mail_domain(const char *addr);

/* Appends "Name: value\r\n": value made safe (see above), encoded when it is not plain
 * ASCII, folded below 78 columns where it has room to. */
void mail_header_text(struct buf *out, const char *name, const char *value);
/* Appends "Name: display <addr>\r\n" (display name quoted or encoded). Returns 0, or
 * -1 (nothing appended) when addr is not usable. */
int mail_header_address(struct buf *out, const char *name, const char *display, const char *addr);

/* Appends s quoted-printable (RFC 2045 §6.7): lines end in CRLF, no line longer than 76. */
void mail_quoted_printable(struct buf *out, const char *s);
/* Appends n bytes base64, 76 characters a line, each line ending in CRLF. */
void mail_base64(struct buf *out, const void *data, size_t n);

/* Writes the whole message into out (CRLF line ends throughout). Returns 0, or -1 when
 * an address is not usable (out then holds nothing useful). */
int mail_compose(const struct mail *m, struct buf *out);
#endif
