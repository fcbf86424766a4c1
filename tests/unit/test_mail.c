/* test_mail.c — e-mail text (lib/mail.c) and calendar text (lib/ical.c): addresses,
 * headers that no value can add a header to, quoted-printable and base64 bodies, the
 * MIME layout, and RFC 5545 escaping and line folding. */
#include <stdlib.h>
#include <string.h>

#include "ical.h"
#include "mail.h"
#include "unit.h"

/* True when every line of s (CRLF-separated) is at most max bytes and s ends in CRLF
 * with no bare CR or LF anywhere. */
static int lines_within(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < 2 || strcmp(s + n - 2, "\r\n") != 0)
		return 0;
	for (const char *p = s; *p;) {
		const char *e = strstr(p, "\r\n");
		if (!e || (size_t)(e - p) > max || memchr(p, '\n', (size_t)(e - p)) || memchr(p, '\r', (size_t)(e - p)))
			return 0;
		p = e + 2;
	}
	return 1;
}

/* s with every fold (CRLF followed by a space or tab) undone. */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t')) {
			s += 1; /* drop CRLF, keep the space */
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Number of header fields in the header block of s (lines not starting with a space). */
static int header_fields(const char *s)
{
	int n = 0;
	for (const char *p = s; *p && !(p[0] == '\r' && p[1] == '\n');) {
		if (*p != ' ' && *p != '\t')
			n++;
		const char *e = strstr(p, "\r\n");
		if (!e)
			break;
		p = e + 2;
	}
	return n;
}

static void addresses_are_checked(void)
{
	CHECK(mail_address_ok("ann@example.com"));
	CHECK(mail_address_ok("ann.o'neil+rb@mail.example.co.uk"));
	CHECK(!mail_address_ok("ann@example.com\r\nBcc: evil@example.com"));
	CHECK(!mail_address_ok("ann@example.com>\r\nRCPT TO:<evil@example.com"));
	CHECK(!mail_address_ok("<ann@example.com>"));
	CHECK(!mail_address_ok("ann smith@example.com"));
	CHECK(!mail_address_ok("ann@@example.com"));
	CHECK(!mail_address_ok("@example.com"));
	CHECK(!mail_address_ok("ann@"));
	CHECK(!mail_address_ok("a@b.com,c@d.com"));
	CHECK(!mail_address_ok("ann@exa..mple.com"));
	CHECK(!mail_address_ok("ann@ex\xc3\xa4mple.com"));
	CHECK(!mail_address_ok(NULL));
	CHECK(strcmp(mail_domain("ann@example.com"), "example.com") == 0);
}

static void the_from_setting_is_split(void)
{
	char name[64], addr[64];
	CHECK(mail_parse_from("Roombook <rb@example.com>", name, sizeof name, addr, sizeof addr) == 0);
	CHECK(strcmp(name, "Roombook") == 0 && strcmp(addr, "rb@example.com") == 0);
	CHECK(mail_parse_from("\"Room Book\" <rb@example.com>", name, sizeof name, addr, sizeof addr) == 0);
	CHECK(strcmp(name, "Room Book") == 0);
	CHECK(mail_parse_from("  rb@example.com ", name, sizeof name, addr, sizeof addr) == 0);
	CHECK(name[0] == '\0' && strcmp(addr, "rb@example.com") == 0);
	CHECK(mail_parse_from("Roombook", name, sizeof name, addr, sizeof addr) == -1);
	CHECK(mail_parse_from("A <rb@example.com> more", name, sizeof name, addr, sizeof addr) == -1);
	CHECK(mail_parse_from("A <rb@example.com", name, sizeof name, addr, sizeof addr) == -1);
	CHECK(mail_parse_from(NULL, name, sizeof name, addr, sizeof addr) == -1);
}

static void a_plain_subject_stays_readable(void)
{
	struct buf b = {0};
	mail_header_text(&b, "Subject", "Booking confirmed: Harbour view, Thu 10 Dec 2026");
	CHECK(strcmp(buf_str(&b), "Subject: Booking confirmed: Harbour view, Thu 10 Dec 2026\r\n") == 0);
	buf_free(&b);
}

static void line_breaks_in_a_value_never_start_a_header(void)
{
	struct buf b = {0};
	mail_header_text(&b, "Subject", "Booking confirmed: Room\r\nBcc: evil@example.com\nX-Evil: 1\r, Thu");
	CHECK(header_fields(buf_str(&b)) == 1);
	CHECK(!strstr(buf_str(&b), "\r\nBcc") && !strstr(buf_str(&b), "\nX-Evil"));
	char *u = unfold(buf_str(&b));
	CHECK(strcmp(u, "Subject: Booking confirmed: Room Bcc: evil@example.com X-Evil: 1 , Thu\r\n") == 0);
	free(u);
	buf_reset(&b);
	CHECK(mail_header_address(&b, "To", "Ann\r\nBcc: evil@example.com", "ann@example.com") == 0);
	CHECK(header_fields(buf_str(&b)) == 1 && !strstr(buf_str(&b), "Bcc: evil"));
	CHECK(strstr(buf_str(&b), "=?UTF-8?B?") != NULL); /* ':' and '@' are not left in a bare phrase */
	buf_reset(&b);
	CHECK(mail_header_address(&b, "To", "Ann", "ann@example.com\r\nBcc: evil@example.com") == -1);
	CHECK(b.len == 0);
	buf_free(&b);
}

static void non_ascii_is_encoded_and_folded(void)
{
	struct buf b = {0};
	char subject[600] = "Booking confirmed: ";
	for (int i = 0; i < 40; i++)
		strcat(subject, "K\xc3\xb6ln ");
	mail_header_text(&b, "Subject", subject);
	CHECK(lines_within(buf_str(&b), 76));
	CHECK(strncmp(buf_str(&b), "Subject: =?UTF-8?B?", 19) == 0);
	CHECK(header_fields(buf_str(&b)) == 1);
	buf_reset(&b);
	mail_header_address(&b, "To", "J\xc3\xbcrgen M\xc3\xbcller", "j@example.com");
	CHECK(strncmp(buf_str(&b), "To: =?UTF-8?B?", 14) == 0 && strstr(buf_str(&b), " <j@example.com>\r\n"));
	buf_reset(&b);
	mail_header_address(&b, "To", "Ann O'Neil", "ann@example.com");
	CHECK(strcmp(buf_str(&b), "To: \"Ann O'Neil\" <ann@example.com>\r\n") == 0);
	buf_reset(&b);
	mail_header_text(&b, "Subject", "=?UTF-8?B?ZXZpbA==?= looks encoded");
	CHECK(strncmp(buf_str(&b), "Subject: =?UTF-8?B?", 19) == 0 && !strstr(buf_str(&b), "ZXZpbA==?= looks"));
	buf_free(&b);
}

static void quoted_printable_keeps_lines_short_and_safe(void)
{
	struct buf b = {0};
	mail_quoted_printable(&b, "a=b\nend space \n.dot\n--boundary\nFrom here\nK\xc3\xb6ln");
	CHECK(strcmp(buf_str(&b), "a=3Db\r\nend space=20\r\n=2Edot\r\n=2D-boundary\r\n=46rom here\r\nK=C3=B6ln\r\n") == 0);
	buf_reset(&b);
	char long_line[400];
	memset(long_line, 'x', sizeof long_line - 1);
	long_line[sizeof long_line - 1] = '\0';
	long_line[75] = '.'; /* lands at the start of the second output line */
	mail_quoted_printable(&b, long_line);
	CHECK(lines_within(buf_str(&b), 76));
	CHECK(strstr(buf_str(&b), "=\r\n=2E") != NULL);
	buf_reset(&b);
	mail_quoted_printable(&b, "crlf\r\nlines\r\n");
	CHECK(strcmp(buf_str(&b), "crlf\r\nlines\r\n") == 0);
	buf_free(&b);
}

static void base64_matches_rfc_4648(void)
{
	struct buf b = {0};
	mail_base64(&b, "foobar", 6);
	mail_base64(&b, "fooba", 5);
	mail_base64(&b, "f", 1);
	CHECK(strcmp(buf_str(&b), "Zm9vYmFy\r\nZm9vYmE=\r\nZg==\r\n") == 0);
	buf_reset(&b);
	char big[200];
	memset(big, 'a', sizeof big);
	mail_base64(&b, big, sizeof big);
	CHECK(lines_within(buf_str(&b), 76));
	buf_free(&b);
}

static void a_message_has_its_headers_and_parts(void)
{
	struct buf b = {0};
	const char ics[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
	struct mail m = {"Roombook", "rb@example.com", "Ann\nBcc: evil@example.com", "ann@example.com",
	                 "Booking confirmed: Room\r\nX-Injected: yes", "<1@example.com>", 0, "Hello Ann,\n\nSee you.",
	                 "<p>Hello Ann</p>", ics, sizeof ics - 1, "text/calendar; charset=UTF-8; method=PUBLISH",
	                 "booking-1.ics", "b0"};
	CHECK(mail_compose(&m, &b) == 0);
	const char *s = buf_str(&b);
	CHECK(strncmp(s, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nFrom: \"Roombook\" <rb@example.com>\r\n", 73) == 0);
	CHECK(header_fields(s) == 8); /* Date From To Subject Message-ID MIME-Version Auto-Submitted Content-Type */
	CHECK(!strstr(s, "\r\nX-Injected") && !strstr(s, "\r\nBcc"));
	CHECK(strstr(s, "Content-Type: multipart/mixed; boundary=\"=_rb_mix_b0\"\r\n") != NULL);
	CHECK(strstr(s, "--=_rb_mix_b0\r\nContent-Type: multipart/alternative; boundary=\"=_rb_alt_b0\"") != NULL);
	CHECK(strstr(s, "--=_rb_alt_b0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	                "Content-Transfer-Encoding: quoted-printable\r\n\r\nHello Ann,\r\n\r\nSee you.\r\n--=_rb_alt_b0\r\n") != NULL);
	CHECK(strstr(s, "Content-Type: text/html; charset=UTF-8") != NULL);
	CHECK(strstr(s, "--=_rb_alt_b0--\r\n--=_rb_mix_b0\r\nContent-Type: text/calendar; charset=UTF-8; method=PUBLISH; "
	                "name=\"booking-1.ics\"\r\nContent-Disposition: attachment; filename=\"booking-1.ics\"\r\n") != NULL);
	CHECK(strstr(s, "QkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFSDQo=\r\n--=_rb_mix_b0--\r\n") != NULL);
	CHECK(lines_within(s, 998));
	buf_reset(&b);
	m.to_addr = "ann@example.com\r\nBcc: evil@example.com";
	CHECK(mail_compose(&m, &b) == -1);
	m.to_addr = "ann@example.com";
	m.message_id = "<1@example.com>\r\nX: y";
	CHECK(mail_compose(&m, &b) == -1);
	m.message_id = "<1@example.com>";
	m.attachment_name = "../x\r\n.ics";
	CHECK(mail_compose(&m, &b) == -1);
	buf_reset(&b);
	m.attachment = NULL;
	m.boundary = NULL; /* random: two messages never share one */
	CHECK(mail_compose(&m, &b) == 0 && strstr(buf_str(&b), "Content-Type: multipart/alternative; boundary=\"=_rb_alt_"));
	CHECK(!strstr(buf_str(&b), "multipart/mixed") && !strstr(buf_str(&b), "_b0\""));
	buf_free(&b);
}

static void calendar_text_is_escaped(void)
{
	struct buf b = {0};
	ical_escape(&b, "Room 1, floor 2; \"best\\view\"\r\nsecond\nthird\x01");
	CHECK(strcmp(buf_str(&b), "Room 1\\, floor 2\\; \"best\\\\view\"\\nsecond\\nthird") == 0);
	buf_free(&b);
}

static void calendar_lines_fold_at_75_octets_between_characters(void)
{
	struct buf b = {0}, v = {0};
	for (int i = 0; i < 100; i++)
		buf_puts(&v, "\xc3\xa9"); /* é: two octets each */
	buf_puts(&v, "end");
	ical_line(&b, "SUMMARY", buf_str(&v));
	CHECK(lines_within(buf_str(&b), 75));
	for (const char *p = buf_str(&b); (p = strstr(p, "\r\n")) && p[2]; p += 2)
		CHECK(p[2] == ' ' && ((unsigned char)p[3] & 0xC0) != 0x80); /* no line starts mid-character */
	struct buf u = {0}; /* RFC 5545 unfolding: drop each CRLF and the one space after it */
	for (const char *p = buf_str(&b); *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		buf_append(&u, p, 1);
	}
	CHECK(strncmp(buf_str(&u), "SUMMARY:", 8) == 0 && strncmp(buf_str(&u) + 8, buf_str(&v), v.len) == 0);
	CHECK(strcmp(buf_str(&u) + 8 + v.len, "\r\n") == 0);
	buf_free(&u);
	buf_free(&b);
	buf_free(&v);
}

static void a_stay_is_an_all_day_event(void)
{
	struct buf b = {0};
	struct ical_stay s = {"reservation-12@example.com", "2026-12-10", "2026-12-12", "Stay at Harbour, view; top",
	                      "2 guests\nTotal 120.00 EUR", NULL, 0};
	CHECK(ical_stay(&b, &s) == 0);
	const char *t = buf_str(&b);
	CHECK(strncmp(t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 37) == 0);
	CHECK(strstr(t, "\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\nUID:reservation-12@example.com\r\n") != NULL);
	CHECK(strstr(t, "\r\nDTSTAMP:19700101T000000Z\r\nDTSTART;VALUE=DATE:20261210\r\nDTEND;VALUE=DATE:20261212\r\n"));
	CHECK(strstr(t, "\r\nSUMMARY:Stay at Harbour\\, view\\; top\r\n") != NULL);
	CHECK(strstr(t, "\r\nDESCRIPTION:2 guests\\nTotal 120.00 EUR\r\n") != NULL);
	CHECK(strstr(t, "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n") != NULL);
	CHECK(lines_within(t, 75));
	buf_reset(&b);
	s.check_out = "2026-12-1x";
	CHECK(ical_stay(&b, &s) == -1);
	buf_free(&b);
}

int main(void)
{
	RUN(addresses_are_checked);
	RUN(the_from_setting_is_split);
	RUN(a_plain_subject_stays_readable);
	RUN(line_breaks_in_a_value_never_start_a_header);
	RUN(non_ascii_is_encoded_and_folded);
	RUN(quoted_printable_keeps_lines_short_and_safe);
	RUN(base64_matches_rfc_4648);
	RUN(a_message_has_its_headers_and_parts);
	RUN(calendar_text_is_escaped);
	RUN(calendar_lines_fold_at_75_octets_between_characters);
	RUN(a_stay_is_an_all_day_event);
	UNIT_END();
}
