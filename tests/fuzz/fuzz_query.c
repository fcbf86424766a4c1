/* fuzz_query.c — the query string parser (request_parse_query) and what reads its
 * result: query_int, query_date, page_params and page_reply's Link header. */
#include "fuzz.h"
#include "http.h"

/* Every parsed pair is a non-empty UTF-8 key and value that url_encode round-trips. */
static void check_pairs(const struct request *r)
{
	for (int i = 0; i < r->nq; i++) {
		const char *v = r->q[i].val;
		FUZZ_ASSERT(r->q[i].key[0] && v[0] && utf8_valid(r->q[i].key) && utf8_valid(v));
		char *enc = url_encode(v), *dec = malloc(strlen(enc) + 1);
		FUZZ_ASSERT(dec && percent_decode(enc, strlen(enc), 1, dec) == (long)strlen(v));
		FUZZ_ASSERT(strcmp(dec, v) == 0);
		free(enc);
		free(dec);
	}
}

/* Reads the parameters as the list handlers do; every answer must be sendable. */
static void read_params(struct ctx *c)
{
	long long limit, cursor, id = 0;
	const char *from = NULL;
	if (query_int(c, "roomId", 1, 1LL << 53, &id) == 1)
		FUZZ_ASSERT(id >= 1);
	if (query_date(c, "from", &from) == 1)
		FUZZ_ASSERT(date_valid(from));
	if (page_params(c, &limit, &cursor) == 0) {
		FUZZ_ASSERT(limit >= 1 && limit <= 100 && cursor >= 0);
		json_t *items = json_array();
		for (long long i = 0; i <= limit; i++)
			json_array_append_new(items, json_pack("{s:I}", "id", (json_int_t)(cursor + i + 1)));
		FUZZ_ASSERT(page_reply(c, items, limit, "id") == 200);
	}
	FUZZ_ASSERT(fuzz_model_sendable(c->res->model));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct request r = {0};
	struct response res = {0};
	struct ctx c = {&r, &res, NULL, NULL};
	snprintf(r.method, sizeof r.method, "GET");
	r.path = strdup("/rooms");
	r.query = fuzz_str(data, size);
	int rc = request_parse_query(&r, err, sizeof err);
	FUZZ_ASSERT(rc == 0 || (rc == 400 && err[0]));
	if (rc == 0) {
		check_pairs(&r);
		read_params(&c);
	}
	request_free(&r);
	response_free(&res);
	return 0;
}
