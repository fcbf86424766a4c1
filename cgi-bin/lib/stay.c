/* stay.c — the booking horizon, dates in words and the refusal sentences (stay.h). */
#include "stay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"

long stay_horizon_days(void)
{
	long days = config_long("BOOKING_HORIZON_DAYS", 3650);
	return days < 1 || days > 36500 ? 3650 : days;
}

void date_words(const char *ymd, char *out, size_t size)
{
	static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const month[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	if (!ymd || !date_valid(ymd)) {
		snprintf(out, size, "%s", ymd ? ymd : "");
		return;
	}
	long days = date_diff("1970-01-04", ymd); /* 1970-01-04 was a Sunday */
	snprintf(out, size, "%s %d %s %.4s", wday[((days % 7) + 7) % 7], atoi(ymd + 8), month[atoi(ymd + 5) - 1], ymd);
}

void stay_refusal(char *out, size_t size, const char *reason, const char *night, long long places,
                  long long capacity)
{
	char day[32];
	date_words(night, day, sizeof day);
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
