/* test_shortcode.c — booking references and ticket codes (lib/shortcode.c): their form,
 * their alphabet, how a typed reference is read; and the QR code's SVG (lib/qr.c), which
 * pages show unescaped: only fixed markup and numbers, whatever text it draws. */
#include <string.h>

#include "buf.h"
#include "qr.h"
#include "shortcode.h"
#include "unit.h"

static int in_alphabet(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(SHORTCODE_ALPHABET, s[i]))
			return 0;
	return 1;
}

static void references_have_their_form(void)
{
	char ref[REFERENCE_SIZE];
	CHECK(strlen(SHORTCODE_ALPHABET) == 31);
	CHECK(!strpbrk(SHORTCODE_ALPHABET, "01ILO"));
	for (int i = 0; i < 1000; i++) {
		CHECK(reference_new(ref) == 0);
		CHECK(strlen(ref) == 9 && strncmp(ref, "RB-", 3) == 0 && in_alphabet(ref + 3, 6));
	}
}

static void ticket_codes_have_their_form(void)
{
	char code[TICKET_CODE_SIZE];
	for (int i = 0; i < 1000; i++) {
		CHECK(ticket_code_new(code) == 0);
		CHECK(strlen(code) == 14 && code[4] == '-' && code[9] == '-');
		CHECK(in_alphabet(code, 4) && in_alphabet(code + 5, 4) && in_alphabet(code + 10, 4));
	}
}

/* 31 000 symbols: every one of the 31 comes up, none far from 1/31 of the time. */
static void symbols_are_spread_evenly(void)
{
	enum { N = 31000 };
	static char s[N + 1];
	int count[31] = {0};
	CHECK(shortcode_random(s, N) == 0);
	CHECK(strlen(s) == N);
	for (int i = 0; i < N; i++)
		count[strchr(SHORTCODE_ALPHABET, s[i]) - SHORTCODE_ALPHABET]++;
	for (int k = 0; k < 31; k++)
		CHECK(count[k] > 800 && count[k] < 1200); /* expected 1000, sd ~31 */
}

static void typed_references_are_read_leniently(void)
{
	char out[REFERENCE_SIZE];
	const char *same[] = {"RB-7K3Q9F", "rb-7k3q9f", "7K3Q9F", "rb 7k3-q9f", " RB 7K3Q9F ", "RB7K3Q9F"};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		CHECK(reference_parse(same[i], out) == 0);
		CHECK(strcmp(out, "RB-7K3Q9F") == 0);
	}
	CHECK(reference_parse("RBRB2345", out) == 0 && strcmp(out, "RB-RB2345") == 0);
	CHECK(reference_parse("RB-RB2345", out) == 0 && strcmp(out, "RB-RB2345") == 0);
	CHECK(reference_parse("rb rb2345", out) == 0 && strcmp(out, "RB-RB2345") == 0);
	CHECK(reference_parse("RB-7K3Q", out) == -1); /* not RB-RB7K3Q */
	CHECK(reference_parse("RB 7K3Q", out) == -1);
	const char *bad[] = {"", "RB-", "RB-7K3Q9", "RB-7K3Q9FF", "RB-7K3Q9O", "RB-7K3Q91", "RB-7K3Q9I",
	                     "RB-7K3Q9L", "RB-7K3Q9\xc3\xa9", "XX-7K3Q9F", "RB-7K3Q9F-7K3Q9F-7K3Q9F"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(reference_parse(bad[i], out) == -1);
		CHECK(out[0] == '\0');
	}
	CHECK(reference_parse(NULL, out) == -1);
}

/* True when s is made only of qr_svg's fixed pieces of markup, and between them of
 * digits, spaces and the path commands M h v z - (whatever text it encodes). */
static int markup_only(const char *s)
{
	static const char *const pieces[] = {
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
		"<svg class=\"qr-code\" aria-hidden=\"true\" ", "shape-rendering=\"crispEdges\" ", "width=\"",
		"height=\"", "viewBox=\"", "\" ", "\">", "<rect ", "fill=\"#fff\"/>", "<path fill=\"#000\" d=\"",
		"\"/></svg>", "\n"};
	while (*s) {
		size_t i, n = 0;
		for (i = 0; i < sizeof pieces / sizeof *pieces && !n; i++)
			if (strncmp(s, pieces[i], strlen(pieces[i])) == 0)
				n = strlen(pieces[i]);
		if (!n && *s && strchr("0123456789 Mhvz-", *s))
			n = 1;
		if (!n)
			return 0;
		s += n;
	}
	return 1;
}

static void qr_svg_is_markup_and_numbers_only(void)
{
	const char *texts[] = {"7K3Q-9F2M-XW4T", "<script>alert(\"x\")</script>", "&amp; ' \" < >",
	                       "0123456789abcdef0123456789abcdef"};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		struct buf inline_svg = {0}, doc = {0};
		CHECK(qr_svg(texts[i], 0, &inline_svg) == 0);
		CHECK(qr_svg(texts[i], 1, &doc) == 0);
		CHECK(strncmp(buf_str(&inline_svg), "<svg class=\"qr-code\" aria-hidden=\"true\" viewBox=\"0 0 ", 53) == 0);
		CHECK(strncmp(buf_str(&doc), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=", 50) == 0);
		CHECK(markup_only(buf_str(&inline_svg)));
		CHECK(markup_only(buf_str(&doc)));
		CHECK(!strstr(buf_str(&inline_svg), "script") && !strstr(buf_str(&doc), "alert"));
		buf_free(&inline_svg);
		buf_free(&doc);
	}
	struct buf none = {0};
	CHECK(qr_svg("", 0, &none) == -1 && none.len == 0);
	CHECK(qr_svg(NULL, 1, &none) == -1 && none.len == 0);
}

/* A short code in alphanumeric mode fits the smallest symbol: 21 modules + 2 x 4 quiet. */
static void a_ticket_code_is_a_small_symbol(void)
{
	struct buf b = {0};
	CHECK(qr_svg("7K3Q-9F2M-XW4T", 0, &b) == 0);
	CHECK(strstr(buf_str(&b), "viewBox=\"0 0 29 29\"") != NULL);
	buf_free(&b);
}

int main(void)
{
	RUN(references_have_their_form);
	RUN(ticket_codes_have_their_form);
	RUN(symbols_are_spread_evenly);
	RUN(typed_references_are_read_leniently);
	RUN(qr_svg_is_markup_and_numbers_only);
	RUN(a_ticket_code_is_a_small_symbol);
	UNIT_END();
}
