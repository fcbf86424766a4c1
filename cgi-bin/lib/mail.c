/* mail.c — e-mail text: safe headers, encodings and MIME assembly (see mail.h). */
#include "mail.h"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define FOLD_AT 78       /* header lines are folded to stay within this where they can */
#define WORD_BYTES 36    /* bytes of UTF-8 per encoded word: 48 base64 + 12 = 60 columns */
#define QP_LINE 76       /* quoted-printable line limit, the soft break's '=' included */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 of n bytes with no line breaks. */
static void b64_raw(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {B64[v >> 18 & 63], B64[v >> 12 & 63], i + 1 < n ? B64[v >> 6 & 63] : '=',
		             i + 2 < n ? B64[v & 63] : '='};
		buf_append(out, q, 4);
	}
}

void mail_base64(struct buf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i += 57) { /* 57 bytes -> 76 characters */
		b64_raw(out, p + i, n - i < 57 ? n - i : 57);
		buf_puts(out, "\r\n");
	}
}

static int is_atext_or_space(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

int mail_address_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *at = s ? strchr(s, '@') : NULL;
	if (n < 3 || n > MAIL_ADDRESS_MAX || !at || at == s || at - s > 64 || strchr(at + 1, '@') || !at[1])
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f || strchr("\"(),:;<>[\\]", c))
			return 0;
	}
	const char *d = at + 1;
	return d[0] != '.' && s[n - 1] != '.' && !strstr(d, "..") && at[-1] != '.' && s[0] != '.';
}

const char *mail_domain(const char *addr)
{
	const char *at = strchr(addr, '@');
	return at ? at + 1 : "";
}

/* Copies at most n bytes of s into out (size > 0) with spaces trimmed from both ends. */
static void copy_trimmed(char *out, size_t size, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

int mail_off_reason(char *why, size_t why_size)
{
	char name[256], addr[MAIL_ADDRESS_MAX + 1];
	const char *url = config_str("SMTP_URL", NULL);
	const char *from = config_str("MAIL_FROM", "Roombook <roombook@localhost>");
	const char *off = NULL;
	if (!url)
		off = "e-mail is off (SMTP_URL is not set)";
	else if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)
		off = "e-mail is off (SMTP_URL is not smtp:// or smtps://)";
	else if (mail_parse_from(from, name, sizeof name, addr, sizeof addr))
		off = "e-mail is off (MAIL_FROM is not a usable address)";
	snprintf(why, why_size, "%s", off ? off : "");
	return off ? -1 : 0;
}

int mail_parse_from(const char *from, char *name, size_t name_size, char *addr, size_t addr_size)
{
	name[0] = addr[0] = '\0';
	if (!from)
		return -1;
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		copy_trimmed(name, name_size, from, (size_t)(lt - from));
		size_t len = strlen(name);
		if (len >= 2 && name[0] == '"' && name[len - 1] == '"') { /* "Roombook" <...> */
			memmove(name, name + 1, len - 2);
			name[len - 2] = '\0';
		}
		copy_trimmed(addr, addr_size, lt + 1, (size_t)(gt - lt - 1));
		if (gt[strspn(gt + 1, " \t") + 1])
			return -1; /* text after the address */
	} else if (lt || strchr(from, '>')) {
		return -1;
	} else {
		copy_trimmed(addr, addr_size, from, strlen(from));
	}
	return mail_address_ok(addr) ? 0 : -1;
}

/* s with every control character (CR, LF, TAB, DEL, ...) a space, runs of spaces one
 * space, no space at either end. */
static void safe_text(struct buf *out, const char *s)
{
	int space = 1; /* drop leading spaces */
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = 1;
			continue;
		}
		if (space && out->len)
			buf_puts(out, " ");
		space = 0;
		buf_append(out, s, 1);
	}
}

/* A header line being written: appends words, folding before one that would not fit. */
struct line {
	struct buf *out;
	size_t col;
	int words;
};

static void line_word(struct line *l, const char *w, size_t n)
{
	if (l->words && l->col + 1 + n > FOLD_AT) {
		buf_puts(l->out, "\r\n ");
		l->col = 1;
	} else if (l->words) {
		buf_puts(l->out, " ");
		l->col++;
	}
	buf_append(l->out, w, n);
	l->col += n;
	l->words++;
}

static int plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Appends n bytes of s as RFC 2047 encoded words of at most WORD_BYTES bytes each,
 * never cutting a UTF-8 sequence between two words. */
static void line_encoded(struct line *l, const char *s, size_t n)
{
	struct buf w = {0};
	for (size_t i = 0; i < n;) {
		size_t take = n - i < WORD_BYTES ? n - i : WORD_BYTES;
		while (take > 1 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
			take--;
		buf_reset(&w);
		buf_puts(&w, "=?UTF-8?B?");
		b64_raw(&w, (const unsigned char *)s + i, take);
		buf_puts(&w, "?=");
		line_word(l, buf_str(&w), w.len);
		i += take;
	}
	buf_free(&w);
}

void mail_header_text(struct buf *out, const char *name, const char *value)
{
	struct buf safe = {0};
	safe_text(&safe, value);
	buf_printf(out, "%s: ", name);
	struct line l = {out, strlen(name) + 2, 0};
	const char *s = buf_str(&safe);
	if (plain_ascii(s) && !strstr(s, "=?")) {
		for (const char *p = s; *p;) { /* words as they are, folded at their spaces */
			size_t w = strcspn(p, " ");
			line_word(&l, p, w);
			p += w;
			p += *p == ' ';
		}
	} else {
		line_encoded(&l, s, safe.len);
	}
	buf_puts(out, "\r\n");
	buf_free(&safe);
}

int mail_header_address(struct buf *out, const char *name, const char *display, const char *addr)
{
	if (!mail_address_ok(addr))
		return -1;
	struct buf safe = {0}, w = {0};
	safe_text(&safe, display);
	buf_printf(out, "%s: ", name);
	struct line l = {out, strlen(name) + 2, 0};
	const char *s = buf_str(&safe);
	int quote = !strstr(s, "=?");
	for (const char *p = s; *p; p++)
		if (!is_atext_or_space((unsigned char)*p))
			quote = 0; /* quotes, backslashes, brackets, non-ASCII...: encoded instead */
	if (safe.len && quote) { /* a quoted string of harmless characters */
		buf_printf(&w, "\"%s\"", s);
		line_word(&l, buf_str(&w), w.len);
	} else if (safe.len) {
		line_encoded(&l, s, safe.len);
	}
	buf_reset(&w);
	buf_printf(&w, "<%s>", addr);
	line_word(&l, buf_str(&w), w.len);
	buf_puts(out, "\r\n");
	buf_free(&w);
	buf_free(&safe);
	return 0;
}

/* One byte as "=XX". */
static void qp_hex(struct buf *out, unsigned char c)
{
	char t[4];
	snprintf(t, sizeof t, "=%02X", c);
	buf_append(out, t, 3);
}

void mail_quoted_printable(struct buf *out, const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, "\n");
		size_t end = n && s[n - 1] == '\r' ? n - 1 : n; /* CRLF or LF: one line end */
		size_t col = 0;
		for (size_t i = 0; i < end; i++) {
			unsigned char c = (unsigned char)s[i];
			for (int pass = 0; pass < 2; pass++) {
				/* Encoded: what is not printable ASCII, '=', a space or tab that ends the
				 * line, and at the start of an output line '.' (SMTP), '-' (a boundary
				 * starts with "--") and the 'F' of "From " (mbox). */
				int enc = c == '=' || c > 126 || (c < 32 && c != '\t') ||
				          ((c == ' ' || c == '\t') && i + 1 == end) ||
				          (col == 0 && (c == '.' || c == '-' || (c == 'F' && strncmp(s + i, "From ", 5) == 0)));
				size_t len = enc ? 3 : 1;
				if (col + len > QP_LINE - 1 && pass == 0) { /* room for the soft break's '=' */
					buf_puts(out, "=\r\n");
					col = 0;
					continue; /* decide again at the start of the new line */
				}
				if (enc)
					qp_hex(out, c);
				else
					buf_append(out, (const char *)&c, 1);
				col += len;
				break;
			}
		}
		buf_puts(out, "\r\n");
		s += n;
		if (*s == '\n')
			s++;
	}
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char b[32];
	if (bytes > sizeof b)
		bytes = sizeof b;
	if (getrandom(b, bytes, 0) != (ssize_t)bytes) /* no randomness: a clock-based fallback */
		for (size_t i = 0; i < bytes; i++)
			b[i] = (unsigned char)(time(NULL) >> (i % 4 * 8) ^ (long)(size_t)&b[i]);
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* True when id is "<...>" of printable ASCII without spaces or brackets inside. */
static int message_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 5 || n > 250 || id[0] != '<' || id[n - 1] != '>' || !memchr(id, '@', n))
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if ((unsigned char)id[i] <= ' ' || (unsigned char)id[i] >= 0x7f || id[i] == '<' || id[i] == '>')
			return 0;
	return 1;
}

static void text_part(struct buf *out, const char *type, const char *body)
{
	buf_printf(out, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	mail_quoted_printable(out, body ? body : "");
}

/* The message's text and HTML: one text/plain part, or multipart/alternative. */
static void body_parts(struct buf *out, const struct mail *m, const char *alt)
{
	if (!m->html) {
		text_part(out, "text/plain", m->text);
		return;
	}
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt);
	buf_printf(out, "--%s\r\n", alt);
	text_part(out, "text/plain", m->text);
	buf_printf(out, "--%s\r\n", alt);
	text_part(out, "text/html", m->html);
	buf_printf(out, "--%s--\r\n", alt);
}

static int file_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 100)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("._-", *s)))
			return 0;
	return 1;
}

static int type_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f || *s == '"')
			return 0;
	return s != NULL;
}

int mail_compose(const struct mail *m, struct buf *out)
{
	char date[64], rnd[33], mixed[64], alt[64];
	struct tm tm;
	if (!mail_address_ok(m->from_addr) || !mail_address_ok(m->to_addr) || !message_id_ok(m->message_id))
		return -1;
	if (m->attachment && (!file_name_ok(m->attachment_name) || !type_ok(m->attachment_type)))
		return -1;
	if (m->boundary)
		snprintf(rnd, sizeof rnd, "%.32s", m->boundary);
	else
		random_hex(rnd, 16);
	/* "=_" never occurs in quoted-printable or base64 text: no body line can be a boundary. */
	snprintf(mixed, sizeof mixed, "=_rb_mix_%s", rnd);
	snprintf(alt, sizeof alt, "=_rb_alt_%s", rnd);
	gmtime_r(&m->date, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm); /* the C locale's English names */
	buf_printf(out, "Date: %s\r\n", date);
	if (mail_header_address(out, "From", m->from_name, m->from_addr) ||
	    mail_header_address(out, "To", m->to_name, m->to_addr))
		return -1;
	mail_header_text(out, "Subject", m->subject);
	buf_printf(out, "Message-ID: %s\r\n", m->message_id);
	buf_puts(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (!m->attachment) {
		body_parts(out, m, alt);
		return 0;
	}
	buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", mixed);
	buf_printf(out, "--%s\r\n", mixed);
	body_parts(out, m, alt);
	buf_printf(out, "--%s\r\n", mixed);
	buf_printf(out, "Content-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\n"
	                "Content-Transfer-Encoding: base64\r\n\r\n",
	           m->attachment_type, m->attachment_name, m->attachment_name);
	mail_base64(out, m->attachment, m->attachment_len);
	buf_printf(out, "--%s--\r\n", mixed);
	return 0;
}
