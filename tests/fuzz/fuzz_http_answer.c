/* fuzz_http_answer.c — the answers services read from each other (client.c's HTTP/1.1
 * parser): whatever bytes come back, it says "complete", "more" or "invalid" without
 * reading past them, a complete answer's parts lie inside the bytes, and cutting the
 * bytes short never turns an invalid answer into a complete one. */
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
	char host[128], port[8];
	const char *path;
	if (client_url_split(copy, host, sizeof host, port, sizeof port, &path) == 0)
		FUZZ_ASSERT(host[0] && port[0] && path[0] == '/' && strlen(host) < sizeof host);
	free(copy);
	return 0;
}
