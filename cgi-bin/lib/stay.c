/* stay.c — the booking horizon and the refusal sentences (stay.h). */
#include "stay.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "human.h"

long stay_horizon_days(void)
{
	long days = config_long("BOOKING_HORIZON_DAYS", 3650);
	return days < 1 || days > 36500 ? 3650 : days;
}

void stay_refusal(char *out, size_t size, const char *reason, const char *night, long long places,
                  long long capacity)
{
	char day[32];
	human_date(night ? night : "", day, sizeof day);
	if (reason && strcmp(reason, "too_many_guests") == 0)
		snprintf(out, size, "This room takes at most %lld guest%s. Choose fewer guests, or another room.", capacity,
		         capacity == 1 ? "" : "s");
	else if (reason && strcmp(reason, "sold_out") == 0 && night && places <= 0)
		snprintf(out, size, "This room is fully booked on %s. Choose other dates.", day);
	else if (reason && strcmp(reason, "sold_out") == 0 && night)
		snprintf(out, size, "Only %lld place%s left on %s. Choose fewer guests or other dates.", places,
		         places == 1 ? "" : "s", day);
	else
		snprintf(out, size, "This room cannot take this stay. Choose other dates or fewer guests.");
}
