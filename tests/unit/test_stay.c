/* test_stay.c — what lib/stay.c says about a stay: the refusal sentences the search, the
 * room page and a refused booking share (dates in words, lib/human.h), and the booking
 * horizon. */
#include <stdlib.h>
#include <string.h>

#include "stay.h"
#include "unit.h"

static int refusal_is(const char *reason, const char *night, long long places, long long capacity, const char *want)
{
	char out[256];
	stay_refusal(out, sizeof out, reason, night ? &night : NULL, &places, night ? 1 : 0, capacity);
	return strcmp(out, want) == 0;
}

/* A stay short on several nights: every one named (up to STAY_NIGHTS_NAMED, the rest
 * counted), so that a guest does not try again from the second and meet it. */
static int nights_refusal_is(size_t n, const long long *left, const char *want)
{
	static const char *const nights[] = {"2026-12-24", "2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28"};
	char out[256];
	stay_refusal(out, sizeof out, "sold_out", nights, left, n, 4);
	return strcmp(out, want) == 0;
}

static void refusals_say_what_and_what_to_do(void)
{
	CHECK(refusal_is("sold_out", "2026-12-10", 1, 4,
	                 "Only 1 place left on Thu 10 Dec 2026. Choose fewer guests or other dates."));
	CHECK(refusal_is("sold_out", "2026-12-10", 3, 4,
	                 "Only 3 places left on Thu 10 Dec 2026. Choose fewer guests or other dates."));
	CHECK(refusal_is("sold_out", "2026-12-11", 0, 4, "This room is fully booked on Fri 11 Dec 2026. Choose other dates."));
	CHECK(refusal_is("too_many_guests", NULL, 2, 2, "This room takes at most 2 guests. Choose fewer guests, or another room."));
	CHECK(refusal_is("too_many_guests", NULL, 1, 1, "This room takes at most 1 guest. Choose fewer guests, or another room."));
	CHECK(refusal_is(NULL, NULL, 0, 1, "This room cannot take this stay. Choose other dates or fewer guests."));
	CHECK(refusal_is("sold_out", NULL, 0, 1, "This room cannot take this stay. Choose other dates or fewer guests."));
	static const long long full[] = {0, 0, 0, 0, 0}, mixed[] = {0, 1, 0};
	CHECK(nights_refusal_is(2, full, "This room is fully booked on Thu 24 Dec 2026 and Fri 25 Dec 2026. Choose other dates."));
	CHECK(nights_refusal_is(3, full, "This room is fully booked on Thu 24 Dec 2026, Fri 25 Dec 2026 and "
	                                 "Sat 26 Dec 2026. Choose other dates."));
	CHECK(nights_refusal_is(5, full, "This room is fully booked on Thu 24 Dec 2026, Fri 25 Dec 2026, "
	                                 "Sat 26 Dec 2026 and 2 more nights. Choose other dates."));
	CHECK(nights_refusal_is(4, full, "This room is fully booked on Thu 24 Dec 2026, Fri 25 Dec 2026, "
	                                 "Sat 26 Dec 2026 and 1 more night. Choose other dates."));
	CHECK(nights_refusal_is(3, mixed, "Too few places are left on Thu 24 Dec 2026, Fri 25 Dec 2026 and "
	                                  "Sat 26 Dec 2026. Choose fewer guests or other dates."));
}

static void the_horizon_is_configured_within_bounds(void)
{
	unsetenv("BOOKING_HORIZON_DAYS");
	CHECK(stay_horizon_days() == 3650);
	setenv("BOOKING_HORIZON_DAYS", "30", 1);
	CHECK(stay_horizon_days() == 30);
	setenv("BOOKING_HORIZON_DAYS", "0", 1);
	CHECK(stay_horizon_days() == 3650);
	setenv("BOOKING_HORIZON_DAYS", "99999", 1);
	CHECK(stay_horizon_days() == 3650);
	unsetenv("BOOKING_HORIZON_DAYS");
}

int main(void)
{
	RUN(refusals_say_what_and_what_to_do);
	RUN(the_horizon_is_configured_within_bounds);
	UNIT_END();
}
