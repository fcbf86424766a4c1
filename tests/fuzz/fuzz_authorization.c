/* fuzz_authorization.c — the Authorization header: credential_bearer and
 * credential_token_valid. The first byte picks the size of the output buffer. */
#include <strings.h>

#include "credential.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[CREDENTIAL_TOKEN_MAX + 1];
	if (size == 0)
		return 0;
	size_t room = data[0] % sizeof out + 1;
	char *header = fuzz_str(data + 1, size - 1);
	int rc = credential_bearer(header, out, room);
	FUZZ_ASSERT(rc >= -1 && rc <= 1);
	FUZZ_ASSERT((rc == 0) == (header[0] == '\0' || strncasecmp(header, "Bearer", 6) != 0)); /* none, or not ours */
	if (rc == 1) {
		size_t n = strlen(out), h = strlen(header);
		FUZZ_ASSERT(n < room && credential_token_valid(out));
		FUZZ_ASSERT(h > n && strcmp(header + h - n, out) == 0); /* the token ends the header */
	} else {
		FUZZ_ASSERT(out[0] == '\0');
	}
	free(header);
	return 0;
}
