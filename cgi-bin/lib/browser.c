/* browser.c — cookies, identity, CSRF double-submit tokens, flash messages. */
#include "browser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int cookie_get(const struct request *r, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	for (const char *p = r->cookie; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t len = strcspn(p, ";");
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			snprintf(out, size, "%.*s", (int)(len - n - 1), p + n + 1);
			return out[0] != '\0';
		}
		p += len;
	}
	return 0;
}

static void random_hex(char out[33])
{
	unsigned char b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		abort(); /* no entropy: refusing to mint guessable tokens */
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void form_token(char out[33]) { random_hex(out); }

/* The longest cookie value read, raw (url-encoded) and decoded. */
#define COOKIE_MAX 1024

int cookie_get_decoded(const struct request *r, const char *name, char *out, size_t size)
{
	char raw[COOKIE_MAX], dec[COOKIE_MAX];
	out[0] = '\0';
	if (!cookie_get(r, name, raw, sizeof raw) || strlen(raw) >= sizeof raw - 1) /* maybe cut */
		return 0;
	long n = percent_decode(raw, strlen(raw), 0, dec);
	if (n <= 0 || (size_t)n >= size || !utf8_valid(dec))
		return 0;
	memcpy(out, dec, (size_t)n + 1);
	return 1;
}

static int is_token(const char *s)
{
	if (strlen(s) != 32)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

const char *csrf_token(struct ctx *c)
{
	static _Thread_local char token[64];
	if (cookie_get(c->req, "csrf", token, sizeof token) && is_token(token))
		return token;
	random_hex(token);
	response_header(c->res, "Set-Cookie", "csrf=%s; Path=/; SameSite=Strict; HttpOnly", token);
	return token;
}

void flash_set(struct ctx *c, const char *message)
{
	char *v = url_encode(message);
	response_header(c->res, "Set-Cookie", "flash=%s; Path=/; Max-Age=60; SameSite=Lax; HttpOnly", v);
	free(v);
}

int flash_take(struct ctx *c, char *out, size_t size)
{
	char raw[COOKIE_MAX];
	if (!cookie_get(c->req, "flash", raw, sizeof raw)) {
		out[0] = '\0';
		return 0;
	}
	response_header(c->res, "Set-Cookie", "flash=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly");
	return cookie_get_decoded(c->req, "flash", out, size);
}
