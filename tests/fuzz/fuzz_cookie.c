/* fuzz_cookie.c — the Cookie header: request_check_text, cookie_get, the percent-decoder
 * behind cookie_get_decoded, and the readers built on them (customer, flash, CSRF). */
#include "browser.h"
#include "fuzz.h"
#include "http.h"

static const char *const names[] = {"customer", "flash", "csrf", "a"};

/* Whatever a cookie holds, what comes out fits, and decoded values are UTF-8. */
static void read_cookies(const struct request *r)
{
	char out[256], small[8];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (cookie_get(r, names[i], small, sizeof small))
			FUZZ_ASSERT(strlen(small) < sizeof small);
		if (cookie_get_decoded(r, names[i], out, sizeof out))
			FUZZ_ASSERT(out[0] && strlen(out) < sizeof out && utf8_valid(out));
		else
			FUZZ_ASSERT(out[0] == '\0');
		if (cookie_get_decoded(r, names[i], small, sizeof small))
			FUZZ_ASSERT(strlen(small) < sizeof small);
	}
}

/* The decoder itself on the raw bytes: never longer than its input, no NUL inside. */
static void decode_raw(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	for (int plus = 0; plus <= 1; plus++) {
		long len = percent_decode(s, n, plus, out);
		FUZZ_ASSERT(len >= -1 && len <= (long)n);
		FUZZ_ASSERT(len < 0 ? out[0] == '\0' : strlen(out) == (size_t)len);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], flash[256];
	struct request r = {0};
	struct response res = {0};
	struct ctx c = {&r, &res, NULL, NULL};
	snprintf(r.method, sizeof r.method, "GET");
	r.path = strdup("/mypage");
	r.cookie = fuzz_str(data, size);
	decode_raw(r.cookie);
	if (request_check_text(&r, err, sizeof err) == 0) {
		read_cookies(&r);
		char who[256];
		if (cookie_get_decoded(&r, "customer", who, sizeof who))
			FUZZ_ASSERT(utf8_valid(who));
		if (flash_take(&c, flash, sizeof flash))
			FUZZ_ASSERT(utf8_valid(flash));
		FUZZ_ASSERT(strlen(csrf_token(&c)) == 32);
	}
	request_free(&r);
	response_free(&res);
	return 0;
}
