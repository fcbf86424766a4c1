/* fuzz_body.h — the body of the body targets: request_parse_body on the fuzzer's bytes
 * sent with one content type, then the field readers handlers use on its result. */
#ifndef RB_FUZZ_BODY_H
#define RB_FUZZ_BODY_H
#include "access.h"
#include "browser.h"
#include "fuzz.h"
#include "http.h"

/* Parses data as a POST body of content_type and reads a few fields from it. */
static inline void fuzz_body(const uint8_t *data, size_t size, const char *content_type)
{
	char err[256];
	struct request r = {0};
	struct response res = {0};
	struct ctx c = {&r, &res, NULL, NULL};
	snprintf(r.method, sizeof r.method, "POST");
	r.path = strdup("/rooms");
	r.content_type = strdup(content_type);
	r.body = malloc(size + 1);
	memcpy(r.body, data, size);
	r.body[size] = '\0';
	r.body_len = size;
	int rc = request_parse_body(&r, err, sizeof err);
	FUZZ_ASSERT(rc == 0 || ((rc == 400 || rc == 415) && err[0]));
	FUZZ_ASSERT(rc == 0 || !r.json); /* nothing parsed left behind */
	/* members whose number overflowed: valid UTF-8 (a field name in a problem's errors) */
	for (int i = 0; rc == 0 && i < r.n_overflowed; i++)
		FUZZ_ASSERT(utf8_valid(r.overflowed[i]));
	if (rc == 0) {
		long long n;
		const char *s;
		json_t *errors = json_array();
		FUZZ_ASSERT(json_is_object(r.json) && fuzz_model_sendable(r.json));
		if (body_int(&c, errors, "capacity", 1, 10000, &n) == 1)
			FUZZ_ASSERT(n >= 1 && n <= 10000);
		if (body_str(&c, errors, "name", 200, &s) == 1)
			FUZZ_ASSERT(s[0] && utf8_valid(s));
		if (body_date(&c, errors, "checkIn", &s) == 1)
			FUZZ_ASSERT(date_valid(s));
		/* no csrf cookie: a form post is always refused as possible forgery */
		FUZZ_ASSERT(!r.body_is_form || access_forgery_check(&c) == 403);
		problem_validation(&c, errors);
		FUZZ_ASSERT(fuzz_model_sendable(res.model));
	}
	request_free(&r);
	response_free(&res);
}
#endif
