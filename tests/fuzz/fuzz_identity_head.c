/* fuzz_identity_head.c — the identity check's request head (identity_http.c), the bytes
 * nginx's /_auth subrequest sends to accounts' socket: whatever arrives, the head's end
 * lies inside the bytes, a head that parses is a GET /_auth whose fields lie inside it,
 * end at a NUL of their own (no CR or LF in them) and have no surrounding blank, and
 * parsing never reads or writes past the bytes measured. */
#include "fuzz.h"
#include "identity_http.h"

static void clean_field(const char *v, const char *head, size_t len)
{
	if (!v)
		return;
	FUZZ_ASSERT(v >= head && v < head + len && *v);
	size_t n = strlen(v);
	FUZZ_ASSERT(v + n < head + len);
	FUZZ_ASSERT(v[0] != ' ' && v[0] != '\t' && v[n - 1] != ' ' && v[n - 1] != '\t');
	FUZZ_ASSERT(!strchr(v, '\r') && !strchr(v, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t end = identity_head_end((const char *)data, size);
	FUZZ_ASSERT(end <= size);
	if (end)
		FUZZ_ASSERT(end >= 4 && memcmp(data + end - 4, "\r\n\r\n", 4) == 0);
	/* Exactly the bytes (no NUL after them: the parser must not need one). */
	size_t len = end ? end : size;
	char *head = malloc(len ? len : 1);
	memcpy(head, data, len);
	struct identity_head h;
	int rc = identity_head_parse(head, len, &h);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == 0) {
		FUZZ_ASSERT(end == len && memcmp(data, "GET /_auth HTTP/1.", 18) == 0);
		clean_field(h.authorization, head, len);
		clean_field(h.cookie, head, len);
		clean_field(h.remote_addr, head, len);
		clean_field(h.https, head, len);
		clean_field(h.request_id, head, len);
	}
	free(head);
	return 0;
}
