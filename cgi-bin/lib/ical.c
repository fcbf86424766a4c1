/* ical.c — iCalendar text (see ical.h). */
#include "ical.h"

#include <stdio.h>
#include <string.h>

#define ICAL_LINE 75 /* octets per line, CRLF not counted */

void ical_escape(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == ';' || c == ',') {
			char e[2] = {'\\', (char)c};
			buf_append(out, e, 2);
		} else if (c == '\r' && s[1] == '\n') {
			continue; /* CRLF: one break, written at the LF */
		} else if (c == '\n' || c == '\r') {
			buf_puts(out, "\\n");
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			continue;
		} else {
			buf_append(out, s, 1);
		}
	}
}

void ical_line(struct buf *out, const char *name, const char *value)
{
	struct buf l = {0};
	buf_printf(&l, "%s:%s", name, value);
	const char *s = buf_str(&l);
	size_t n = l.len, room = ICAL_LINE;
	while (n > room) {
		size_t cut = room;
		while (cut > 1 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--; /* s[cut] continues a character: cut before that character starts */
		buf_append(out, s, cut);
		buf_puts(out, "\r\n ");
		s += cut;
		n -= cut;
		room = ICAL_LINE - 1; /* the leading space counts */
	}
	buf_append(out, s, n);
	buf_puts(out, "\r\n");
	buf_free(&l);
}

/* "2026-12-10" -> "20261210"; -1 when d is not YYYY-MM-DD. */
static int ical_date(const char *d, char out[9])
{
	if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return -1;
	for (int i = 0, j = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (d[i] < '0' || d[i] > '9')
			return -1;
		out[j++] = d[i];
	}
	out[8] = '\0';
	return 0;
}

static void text_line(struct buf *out, const char *name, const char *text)
{
	struct buf v = {0};
	ical_escape(&v, text);
	ical_line(out, name, buf_str(&v));
	buf_free(&v);
}

int ical_stay(struct buf *out, const struct ical_stay *s)
{
	char start[9], end[9], stamp[20];
	struct tm tm;
	if (ical_date(s->check_in, start) || ical_date(s->check_out, end))
		return -1;
	gmtime_r(&s->stamp, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	buf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Roombook//Booking//EN\r\n"
	              "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n");
	text_line(out, "UID", s->uid);
	ical_line(out, "DTSTAMP", stamp);
	ical_line(out, "DTSTART;VALUE=DATE", start);
	ical_line(out, "DTEND;VALUE=DATE", end);
	text_line(out, "SUMMARY", s->summary);
	if (s->description)
		text_line(out, "DESCRIPTION", s->description);
	if (s->url) {
		struct buf v = {0};
		for (const char *p = s->url; *p; p++) /* a URI value is not TEXT: no escapes, no controls */
			if ((unsigned char)*p > ' ' && *p != 0x7f)
				buf_append(&v, p, 1);
		ical_line(out, "URL", buf_str(&v));
		buf_free(&v);
	}
	buf_puts(out, "STATUS:CONFIRMED\r\nTRANSP:TRANSPARENT\r\nSEQUENCE:0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	return 0;
}
