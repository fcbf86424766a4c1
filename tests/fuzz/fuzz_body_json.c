/* fuzz_body_json.c — request_parse_body with Content-Type: application/json. */
#include "fuzz_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_body(data, size, "application/json");
	return 0;
}
