/* fuzz_etag.c — If-Match and If-None-Match: etag_listed reads a header's list of entity
 * tags. A strong match is always a weak one, and a list that matches a tag only by being
 * unreadable never does: the list "T" and "W/T, T" must match T (made from the input). */
#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *list = fuzz_str(data, size), tag[ETAG_SIZE], both[2 * ETAG_SIZE + 8];
	json_t *model = json_stringn((const char *)data, size);
	etag_of(model ? model : json_null(), tag);
	json_decref(model);
	int strong = etag_listed(list, tag, 0), weak = etag_listed(list, tag, 1);
	FUZZ_ASSERT(!strong || weak);
	FUZZ_ASSERT(etag_listed(tag, tag, 0));
	snprintf(both, sizeof both, "W/%s, %s", tag, tag);
	FUZZ_ASSERT(etag_listed(both, tag, 0));
	free(list);
	return 0;
}
