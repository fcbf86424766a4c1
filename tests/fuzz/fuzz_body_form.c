/* fuzz_body_form.c — request_parse_body with Content-Type:
 * application/x-www-form-urlencoded (form posts, and curl -d sending JSON). */
#include "fuzz_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_body(data, size, "application/x-www-form-urlencoded");
	return 0;
}
