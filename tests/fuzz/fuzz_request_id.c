/* fuzz_request_id.c — X-Request-Id: request_id_valid (what fcgi_main.c keeps) and
 * log_escape (what log.c writes): a log line never carries a control character. */
#include "fuzz.h"
#include "http.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rid = fuzz_str(data, size), out[300];
	size_t n = strlen(rid);
	log_escape(rid, out, sizeof out);
	FUZZ_ASSERT(strlen(out) < sizeof out);
	for (const char *p = out; *p; p++)
		FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	if (request_id_valid(rid)) {
		FUZZ_ASSERT(n >= 1 && n <= 64 && strcmp(out, rid) == 0);
		log_set_request_id(rid);
		FUZZ_ASSERT(strcmp(log_request_id(), rid) == 0);
		log_set_request_id(NULL);
	}
	free(rid);
	return 0;
}
