/* fuzz_http_answer.c — the answers services read from each other (client.c's HTTP/1.1
 * parser, and its FastCGI one for calls straight to a service's socket): whatever bytes
 * come back, each says "complete", "more" or "invalid" without reading past them, and a
 * complete answer's parts lie inside the bytes (for FastCGI: inside its STDOUT stream). */
#include "client.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1); /* exactly size bytes (and a NUL, as a buf has) */
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (int eof = 0; eof <= 1; eof++) {
		struct client_response r;
		int rc = client_response_parse(copy, size, eof, &r);
		FUZZ_ASSERT(rc >= -1 && rc <= 1);
		if (rc == 1) {
			FUZZ_ASSERT(r.status >= 0 && r.status <= 999);
			FUZZ_ASSERT(r.body_at <= r.complete && r.complete <= size);
			FUZZ_ASSERT(r.chunked || r.body_at + r.body_len == r.complete);
			FUZZ_ASSERT(!r.chunked || r.body_len <= r.complete - r.body_at);
		}
		if (rc == 0)
			FUZZ_ASSERT(!eof);
	}
	struct buf out = {0}, part = {0};
	struct client_response whole, half;
	int whole_rc = client_fcgi_answer_parse(copy, size, 0, &out, &whole);
	FUZZ_ASSERT(whole_rc >= -1 && whole_rc <= 1);
	if (whole_rc == 1) {
		FUZZ_ASSERT(whole.status >= 100 && whole.status <= 599);
		FUZZ_ASSERT(whole.complete >= 16 && whole.complete <= size && out.len <= whole.complete);
		FUZZ_ASSERT(whole.body_at <= out.len && whole.body_at + whole.body_len == out.len);
	}
	FUZZ_ASSERT(client_fcgi_answer_parse(copy, size, 1, &part, &half) != 0); /* at the end: a verdict */
	/* bytes arriving in two reads: the first half never contradicts the whole */
	int half_rc = client_fcgi_answer_parse(copy, size / 2, 0, &part, &half);
	if (half_rc == -1)
		FUZZ_ASSERT(whole_rc == -1);
	if (half_rc == 1)
		FUZZ_ASSERT(whole_rc == 1 && half.complete == whole.complete && part.len == out.len);
	buf_free(&out);
	buf_free(&part);
	char host[128], port[8];
	const char *path;
	if (client_url_split(copy, host, sizeof host, port, sizeof port, &path) == 0)
		FUZZ_ASSERT(host[0] && port[0] && path[0] == '/' && strlen(host) < sizeof host);
	free(copy);
	return 0;
}
