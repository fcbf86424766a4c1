/* shortcode.c — booking references and ticket codes (see shortcode.h). */
#include "shortcode.h"

#include <ctype.h>
#include <string.h>
#include <sys/random.h>

#define ALPHABET_LEN (sizeof SHORTCODE_ALPHABET - 1)

int shortcode_random(char *out, size_t n)
{
	/* A byte below 248 (= 8 * 31) maps to a symbol without bias; others are drawn again. */
	const unsigned limit = 256 - 256 % ALPHABET_LEN;
	unsigned char pool[64];
	size_t have = 0, used = 0, i = 0;
	while (i < n) {
		if (used == have) {
			if (getrandom(pool, sizeof pool, 0) != (ssize_t)sizeof pool) {
				out[0] = '\0';
				return -1;
			}
			have = sizeof pool;
			used = 0;
		}
		unsigned b = pool[used++];
		if (b < limit)
			out[i++] = SHORTCODE_ALPHABET[b % ALPHABET_LEN];
	}
	out[n] = '\0';
	return 0;
}

int reference_new(char out[REFERENCE_SIZE])
{
	memcpy(out, "RB-", 3);
	if (shortcode_random(out + 3, REFERENCE_SYMBOLS) == 0)
		return 0;
	out[0] = '\0';
	return -1;
}

int reference_parse(const char *in, char out[REFERENCE_SIZE])
{
	char sym[REFERENCE_SYMBOLS + 3]; /* "RB" + the symbols, or the symbols alone */
	size_t n = 0;
	int prefixed = 0; /* "RB-..." or "RB ...": the RB is the prefix, never symbols */
	out[0] = '\0';
	while (in && *in == ' ')
		in++;
	if (in && toupper((unsigned char)in[0]) == 'R' && toupper((unsigned char)in[1]) == 'B' &&
	    (in[2] == '-' || in[2] == ' ')) {
		prefixed = 1;
		in += 2;
	}
	for (; in && *in; in++) {
		if (*in == ' ' || *in == '-')
			continue;
		if (n == sizeof sym)
			return -1;
		sym[n++] = (char)toupper((unsigned char)*in);
	}
	const char *s = sym;
	if (!prefixed && n == REFERENCE_SYMBOLS + 2 && s[0] == 'R' && s[1] == 'B') {
		s += 2;
		n -= 2;
	}
	if (n != REFERENCE_SYMBOLS)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strchr(SHORTCODE_ALPHABET, s[i]))
			return -1;
	memcpy(out, "RB-", 3);
	memcpy(out + 3, s, n);
	out[3 + n] = '\0';
	return 0;
}

int ticket_code_new(char out[TICKET_CODE_SIZE])
{
	char sym[TICKET_CODE_SYMBOLS + 1];
	if (shortcode_random(sym, TICKET_CODE_SYMBOLS)) {
		out[0] = '\0';
		return -1;
	}
	memcpy(out, sym, 4);
	out[4] = '-';
	memcpy(out + 5, sym + 4, 4);
	out[9] = '-';
	memcpy(out + 10, sym + 8, 4);
	out[14] = '\0';
	return 0;
}
