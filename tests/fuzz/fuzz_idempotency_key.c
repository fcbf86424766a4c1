/* fuzz_idempotency_key.c — the Idempotency-Key check idempotency_begin makes before the
 * database (idempotency_key_valid), and how such a key is quoted in a log line. */
#include "fuzz.h"
#include "idempotency.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *key = fuzz_str(data, size), logged[4 * IDEMPOTENCY_KEY_MAX + 8];
	size_t n = strlen(key);
	int printable = 1;
	for (size_t i = 0; i < n; i++)
		printable &= (unsigned char)key[i] >= 0x20 && (unsigned char)key[i] <= 0x7e;
	FUZZ_ASSERT(idempotency_key_valid(key) == (n >= 1 && n <= IDEMPOTENCY_KEY_MAX && printable));
	if (idempotency_key_valid(key)) {
		log_escape(key, logged, sizeof logged);
		FUZZ_ASSERT(strcmp(logged, key) == 0); /* a valid key is logged as it is */
	}
	free(key);
	return 0;
}
