/* test_capacity.c — holds on a room's capacity through the rooms service's own routes:
 * never more held than there is, all nights or none, idempotent release, a released
 * hold refuses a late repeat, and one CapacityHeld event per successful hold. */
#include <string.h>

#include "log.h"
#include "services.h"
#include "unit.h"
#include "unit_stack.h"

static struct db *db;

/* Creates a room of the given capacity; returns its id (0 on failure). */
static long long make_room(const char *name, int capacity)
{
	struct exchange ex;
	char body[128];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"capacity\":%d,\"price\":1500}", name, capacity);
	long long id = exchange_run(&ex, &rooms_service, db, "POST", "/rooms", body, 0) == 201
	                       ? exchange_int(&ex, "id")
	                       : 0;
	exchange_free(&ex);
	return id;
}

/* POST /internal/holds; returns the status. */
static int hold(long long reservation, long long room, const char *check_in, int nights, int guests)
{
	struct exchange ex;
	char body[256];
	snprintf(body, sizeof body,
	         "{\"reservationId\":%lld,\"roomId\":%lld,\"checkIn\":\"%s\",\"nights\":%d,\"guests\":%d}",
	         reservation, room, check_in, nights, guests);
	int status = exchange_run(&ex, &rooms_service, db, "POST", "/internal/holds", body, 1);
	exchange_free(&ex);
	return status;
}

/* POST /internal/holds/{id}/release; returns the status and checks the answer's state. */
static int release(long long reservation)
{
	struct exchange ex;
	char path[64];
	snprintf(path, sizeof path, "/internal/holds/%lld/release", reservation);
	int status = exchange_run(&ex, &rooms_service, db, "POST", path, NULL, 1);
	if (status == 200)
		CHECK(strcmp(json_string_value(json_object_get(ex.res.model, "status")), "released") == 0);
	exchange_free(&ex);
	return status;
}

/* Units still available on a date, read through GET /rooms/{id}/availability. */
static long long available(long long room, const char *date)
{
	struct exchange ex;
	char target[128];
	snprintf(target, sizeof target, "/rooms/%lld/availability?from=%s&to=%s", room, date, date);
	long long n = -1;
	if (exchange_run(&ex, &rooms_service, db, "GET", target, NULL, 0) == 200) {
		json_t *day = json_array_get(json_object_get(ex.res.model, "days"), 0);
		n = json_integer_value(json_object_get(day, "available"));
	}
	exchange_free(&ex);
	return n;
}

/* Outbox rows of a type whose data names the reservation. */
static long long events_for(const char *type, long long reservation)
{
	long long n = -1;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM outbox WHERE type = ? "
	                               "AND json_extract(data, '$.reservationId') = ?");
	db_bind_text(st, 1, type);
	sqlite3_bind_int64(st, 2, reservation);
	db_scalar_int(st, &n);
	return n;
}

static void third_hold_on_a_full_night_is_refused(void)
{
	long long room = make_room("Twin", 2);
	CHECK(room > 0);
	CHECK(hold(101, room, "2030-05-01", 1, 1) == 201);
	CHECK(hold(102, room, "2030-05-01", 1, 1) == 201);
	CHECK(hold(103, room, "2030-05-01", 1, 1) == 409);
	CHECK(available(room, "2030-05-01") == 0);
	CHECK(events_for("CapacityHeld", 101) == 1);
	CHECK(events_for("CapacityHeld", 102) == 1);
	CHECK(events_for("CapacityHeld", 103) == 0);
	CHECK(hold(104, room, "2030-05-02", 1, 2) == 201); /* the next night is another night */
}

static void release_gives_capacity_back_once(void)
{
	long long room = make_room("Pair", 2);
	CHECK(hold(201, room, "2030-06-01", 1, 1) == 201);
	CHECK(hold(202, room, "2030-06-01", 1, 1) == 201);
	CHECK(release(201) == 200);
	CHECK(available(room, "2030-06-01") == 1);
	CHECK(events_for("CapacityReleased", 201) == 1);
	CHECK(release(201) == 200); /* idempotent: nothing more is given back */
	CHECK(available(room, "2030-06-01") == 1);
	CHECK(events_for("CapacityReleased", 201) == 1);
	CHECK(hold(203, room, "2030-06-01", 1, 1) == 201); /* the freed unit is bookable */
	CHECK(hold(204, room, "2030-06-01", 1, 1) == 409);
}

static void hold_after_release_is_refused(void)
{
	long long room = make_room("Late", 3);
	CHECK(hold(301, room, "2030-07-01", 2, 1) == 201);
	CHECK(release(301) == 200);
	CHECK(hold(301, room, "2030-07-01", 2, 1) == 409);
	CHECK(available(room, "2030-07-01") == 3 && available(room, "2030-07-02") == 3);
	CHECK(events_for("CapacityHeld", 301) == 1);
	/* A release that arrives before its hold leaves a tombstone: the hold is refused. */
	CHECK(release(302) == 200);
	CHECK(hold(302, room, "2030-07-01", 1, 1) == 409);
	CHECK(events_for("CapacityHeld", 302) == 0);
	CHECK(available(room, "2030-07-01") == 3);
}

static void repeated_hold_answers_the_same_without_taking_more(void)
{
	long long room = make_room("Repeat", 2);
	CHECK(hold(401, room, "2030-08-01", 1, 1) == 201);
	CHECK(hold(401, room, "2030-08-01", 1, 1) == 200);
	CHECK(available(room, "2030-08-01") == 1);
	CHECK(events_for("CapacityHeld", 401) == 1);
}

static void hold_takes_every_night_or_none(void)
{
	long long room = make_room("Single", 1);
	CHECK(hold(501, room, "2030-09-02", 1, 1) == 201);
	CHECK(hold(502, room, "2030-09-01", 3, 1) == 409); /* the middle night is full */
	CHECK(available(room, "2030-09-01") == 1);
	CHECK(available(room, "2030-09-03") == 1);
	CHECK(events_for("CapacityHeld", 502) == 0);
	CHECK(hold(503, room, "2030-09-03", 2, 1) == 201);
	CHECK(available(room, "2030-09-04") == 0);
}

static void guests_each_take_a_unit(void)
{
	long long room = make_room("Dorm", 5);
	CHECK(hold(601, room, "2030-10-01", 1, 3) == 201);
	CHECK(hold(602, room, "2030-10-01", 1, 3) == 409);
	CHECK(hold(603, room, "2030-10-01", 1, 2) == 201);
	CHECK(available(room, "2030-10-01") == 0);
}

static void hold_on_missing_room_is_404(void)
{
	CHECK(hold(701, 999999, "2030-11-01", 1, 1) == 404);
	CHECK(events_for("CapacityHeld", 701) == 0);
	CHECK(hold(702, 1, "2030-02-30", 1, 1) == 422);
}

static void hold_reports_amount_and_room(void)
{
	struct exchange ex;
	long long room = make_room("Priced", 4);
	char body[256];
	snprintf(body, sizeof body,
	         "{\"reservationId\":801,\"roomId\":%lld,\"checkIn\":\"2030-12-30\",\"nights\":3,\"guests\":2}", room);
	CHECK(exchange_run(&ex, &rooms_service, db, "POST", "/internal/holds", body, 1) == 201);
	CHECK(exchange_int(&ex, "amount") == 1500 * 2 * 3);
	CHECK(strcmp(json_string_value(json_object_get(ex.res.model, "roomName")), "Priced") == 0);
	CHECK(strcmp(json_string_value(json_object_get(ex.res.model, "status")), "held") == 0);
	exchange_free(&ex);
	CHECK(available(room, "2031-01-01") == 2); /* across the new year */
	CHECK(available(room, "2031-01-02") == 4);
}

int main(void)
{
	const char *dir = unit_sandbox();
	log_init("test_capacity");
	db = db_open("rooms");
	if (!db) {
		fprintf(stderr, "cannot open the rooms database in %s\n", dir);
		return 2;
	}
	RUN(third_hold_on_a_full_night_is_refused);
	RUN(release_gives_capacity_back_once);
	RUN(hold_after_release_is_refused);
	RUN(repeated_hold_answers_the_same_without_taking_more);
	RUN(hold_takes_every_night_or_none);
	RUN(guests_each_take_a_unit);
	RUN(hold_on_missing_room_is_404);
	RUN(hold_reports_amount_and_room);
	db_close(db);
	unit_sandbox_remove(dir);
	UNIT_END();
}
