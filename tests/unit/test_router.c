/* test_router.c — route_dispatch against the rooms service's route table: 404, 405 with
 * Allow, unknown query parameters, {id} matching, internal-only routes. */
#include <string.h>

#include "services.h"
#include "unit.h"
#include "unit_stack.h"

static struct db *db;

/* The value of a response header ("" when absent), copied into out. */
static const char *header(const struct exchange *ex, const char *name, char *out, size_t size)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s: ", name);
	const char *p = strstr(buf_str(&ex->res.headers), prefix);
	out[0] = '\0';
	if (p)
		snprintf(out, size, "%.*s", (int)strcspn(p + strlen(prefix), "\r"), p + strlen(prefix));
	return out;
}

static const char *detail(const struct exchange *ex)
{
	const char *d = json_string_value(json_object_get(ex->res.model, "detail"));
	return d ? d : "";
}

/* Dispatches and returns the status; the exchange is freed. */
static int status_of(const char *method, const char *target, int internal)
{
	struct exchange ex;
	int status = exchange_run(&ex, &rooms_service, db, method, target, NULL, internal);
	exchange_free(&ex);
	return status;
}

static void unknown_path_is_404(void)
{
	struct exchange ex;
	CHECK(exchange_run(&ex, &rooms_service, db, "GET", "/nowhere", NULL, 0) == 404);
	CHECK(json_integer_value(json_object_get(ex.res.model, "status")) == 404);
	CHECK(strstr(detail(&ex), "no such resource") != NULL);
	exchange_free(&ex);
	CHECK(status_of("GET", "/rooms/1/nothing", 0) == 404);
	CHECK(status_of("GET", "/rooms/", 0) == 404);
	CHECK(status_of("GET", "/roomsx", 0) == 404);
}

static void wrong_method_is_405_with_allow(void)
{
	char allow[128];
	struct exchange ex;
	CHECK(exchange_run(&ex, &rooms_service, db, "POST", "/rooms/7", NULL, 0) == 405);
	CHECK(strcmp(header(&ex, "Allow", allow, sizeof allow), "GET, PATCH, PUT, DELETE, HEAD") == 0);
	CHECK(strcmp(detail(&ex), "POST is not allowed on /rooms/7") == 0);
	CHECK(json_integer_value(json_object_get(ex.res.model, "status")) == 405);
	exchange_free(&ex);
	CHECK(exchange_run(&ex, &rooms_service, db, "DELETE", "/rooms", NULL, 0) == 405);
	CHECK(strcmp(header(&ex, "Allow", allow, sizeof allow), "GET, POST, HEAD") == 0);
	exchange_free(&ex);
	CHECK(exchange_run(&ex, &rooms_service, db, "PUT", "/check/chkAndReqReserve", NULL, 0) == 405);
	CHECK(strcmp(header(&ex, "Allow", allow, sizeof allow), "GET, HEAD") == 0);
	exchange_free(&ex);
	CHECK(exchange_run(&ex, &rooms_service, db, "GET", "/rooms/3/reviews/", NULL, 0) == 404);
	CHECK(header(&ex, "Allow", allow, sizeof allow)[0] == '\0');
	exchange_free(&ex);
}

static void unknown_query_parameter_is_400(void)
{
	struct exchange ex;
	CHECK(exchange_run(&ex, &rooms_service, db, "GET", "/rooms?limit=2&color=red", NULL, 0) == 400);
	CHECK(strstr(detail(&ex), "'color'") != NULL);
	exchange_free(&ex);
	CHECK(status_of("GET", "/rooms/1?limit=5", 0) == 400); /* allowed on the list, not here */
	CHECK(status_of("HEAD", "/rooms?x=1", 0) == 400);
	CHECK(status_of("GET", "/rooms?color=", 0) == 200); /* empty values count as absent */
}

static void id_segments_are_positive_integers(void)
{
	struct exchange ex;
	CHECK(status_of("GET", "/rooms/0", 0) == 404);
	CHECK(status_of("GET", "/rooms/abc", 0) == 404);
	CHECK(status_of("GET", "/rooms/007", 0) == 404);
	CHECK(status_of("GET", "/rooms/-1", 0) == 404);
	CHECK(status_of("GET", "/rooms/1x", 0) == 404);
	CHECK(status_of("GET", "/rooms/99999999999999999999", 0) == 404);
	/* A well-formed id reaches the handler, whose own 404 names the room. */
	CHECK(exchange_run(&ex, &rooms_service, db, "GET", "/rooms/42", NULL, 0) == 404);
	CHECK(ex.req.ids[0] == 42);
	CHECK(strstr(detail(&ex), "room 42 does not exist") != NULL);
	exchange_free(&ex);
	CHECK(exchange_run(&ex, &rooms_service, db, "POST", "/internal/holds/12/release", NULL, 1) == 200);
	CHECK(ex.req.nids == 1 && ex.req.ids[0] == 12);
	exchange_free(&ex);
}

static void matching_route_runs_its_handler(void)
{
	struct exchange ex;
	CHECK(exchange_run(&ex, &rooms_service, db, "GET", "/rooms?limit=5", NULL, 0) == 200);
	json_t *answer = exchange_answer(&ex);
	CHECK(json_is_array(json_object_get(answer, "items")));
	json_decref(answer);
	exchange_free(&ex);
	CHECK(exchange_run(&ex, &rooms_service, db, "POST", "/rooms", "{\"name\":\"Router\"}", 0) == 201);
	long long id = exchange_int(&ex, "id");
	exchange_free(&ex);
	char path[64];
	snprintf(path, sizeof path, "/rooms/%lld", id);
	CHECK(exchange_run(&ex, &rooms_service, db, "HEAD", path, NULL, 0) == 200); /* HEAD is GET */
	CHECK(exchange_int(&ex, "id") == id);
	exchange_free(&ex);
}

static void internal_routes_are_hidden_from_the_public(void)
{
	struct exchange ex;
	const char *hold = "{\"reservationId\":1,\"roomId\":1,\"checkIn\":\"2030-01-01\"}";
	CHECK(exchange_run(&ex, &rooms_service, db, "POST", "/internal/holds", hold, 0) == 404);
	CHECK(strstr(detail(&ex), "no such resource") != NULL);
	exchange_free(&ex);
	CHECK(status_of("POST", "/internal/holds/1/release", 0) == 404);
	CHECK(status_of("GET", "/internal/holds", 0) == 404); /* not even a 405 that leaks it */
	/* Through the internal listener the same route is there (empty body: validation). */
	CHECK(exchange_run(&ex, &rooms_service, db, "POST", "/internal/holds", "{}", 1) == 422);
	exchange_free(&ex);
	CHECK(status_of("GET", "/internal/holds", 1) == 405);
}

int main(void)
{
	const char *dir = unit_sandbox();
	db = db_open("rooms");
	if (!db) {
		fprintf(stderr, "cannot open the rooms database in %s\n", dir);
		return 2;
	}
	RUN(unknown_path_is_404);
	RUN(wrong_method_is_405_with_allow);
	RUN(unknown_query_parameter_is_400);
	RUN(id_segments_are_positive_integers);
	RUN(matching_route_runs_its_handler);
	RUN(internal_routes_are_hidden_from_the_public);
	db_close(db);
	unit_sandbox_remove(dir);
	UNIT_END();
}
