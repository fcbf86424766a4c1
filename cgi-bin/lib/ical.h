/* ical.h — iCalendar (RFC 5545) text for a stay: one VEVENT of all-day dates in a
 * VCALENDAR with METHOD:PUBLISH, as a calendar program imports it from an e-mail. */
#ifndef RB_ICAL_H
#define RB_ICAL_H
#include <time.h>

#include "buf.h"

struct ical_stay {
	const char *uid;         /* globally unique and stable, e.g. "reservation-12@example.com" */
	const char *check_in;    /* YYYY-MM-DD: DTSTART;VALUE=DATE */
	const char *check_out;   /* YYYY-MM-DD: DTEND;VALUE=DATE (the day of departure, exclusive) */
	const char *summary;     /* any UTF-8 text */
	const char *description; /* any UTF-8 text, may hold line breaks; NULL for none */
	const char *url;         /* NULL for none */
	time_t stamp;            /* DTSTAMP */
};

/* Appends TEXT escaped (§3.3.11): backslash, ';' and ',' get a backslash, a line break
 * becomes \n, other control characters are dropped. */
void ical_escape(struct buf *out, const char *s);
/* Appends one content line (§3.1): "name:value" with CRLF, folded so that no line is
 * longer than 75 octets (continuation lines start with a space), never inside a UTF-8
 * sequence. value must already be escaped. */
void ical_line(struct buf *out, const char *name, const char *value);
/* Appends the whole VCALENDAR object. Returns 0, or -1 when a date is not YYYY-MM-DD. */
int ical_stay(struct buf *out, const struct ical_stay *s);
#endif
